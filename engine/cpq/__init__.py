"""Configure, price, quote: the catalogue, the product configurator, price rules,
quotes with their lines and versions, the quote document (PDF) and its mail.
"""
