-- Migration 15: a contact's postal address.
-- A private client has no organisation: the devis needs their postal address, which was
-- typed into a deal field (adresse_client). A contact now holds one, in four parts a
-- French envelope prints in this order: street (one or more lines), postcode, city,
-- country (empty: the seller's). An organisation keeps its address as one text
-- (organisations.address, since migration 1); the quote prints the contact's address,
-- else the organisation's, else the deal field.
ALTER TABLE contacts ADD COLUMN street TEXT;
ALTER TABLE contacts ADD COLUMN postcode TEXT;
ALTER TABLE contacts ADD COLUMN city TEXT;
ALTER TABLE contacts ADD COLUMN country TEXT;
