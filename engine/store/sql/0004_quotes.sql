-- Migration 4: quotes.
CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),
    currency TEXT NOT NULL DEFAULT 'EUR',
    tax_rate TEXT NOT NULL DEFAULT '20',
    active INTEGER NOT NULL DEFAULT 1,
    fields TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX products_active_name ON products(active, name COLLATE NOCASE);

CREATE TABLE quotes (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    year INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'sent', 'accepted', 'rejected')),
    currency TEXT NOT NULL,
    quote_date TEXT NOT NULL,
    valid_until TEXT,
    notes TEXT NOT NULL DEFAULT '',
    line_count INTEGER NOT NULL,
    subtotal_cents INTEGER NOT NULL,
    discount_cents INTEGER NOT NULL,
    net_cents INTEGER NOT NULL,
    tax_cents INTEGER NOT NULL,
    total_cents INTEGER NOT NULL,
    suggestions TEXT NOT NULL DEFAULT '[]',
    warnings TEXT NOT NULL DEFAULT '[]',
    created_by INTEGER REFERENCES users(id),
    sent_at TEXT,
    decided_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (year, sequence)
);
CREATE INDEX quotes_deal ON quotes(deal_id, status, id);

CREATE TABLE quote_lines (
    id INTEGER PRIMARY KEY,
    quote_id INTEGER NOT NULL REFERENCES quotes(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    code TEXT,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    quantity TEXT NOT NULL,
    list_price_cents INTEGER NOT NULL,
    unit_net_cents INTEGER NOT NULL,
    list_total_cents INTEGER NOT NULL,
    discount_cents INTEGER NOT NULL,
    net_cents INTEGER NOT NULL,
    tax_rate TEXT NOT NULL,
    tax_cents INTEGER NOT NULL,
    free INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL CHECK (source IN ('rep', 'manual', 'suggestion', 'rule')),
    added_by TEXT,
    price_rule TEXT,
    input TEXT,
    trace TEXT NOT NULL DEFAULT '[]',
    UNIQUE (quote_id, position)
);

CREATE TABLE quote_versions (
    quote_id INTEGER NOT NULL REFERENCES quotes(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (quote_id, version)
);
