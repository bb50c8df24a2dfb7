-- Online payments through a provider (core/src/payments). One row per payment attempt; a plugin
-- finds its own by reference ("photos.order:17"). Amounts are integer yen.
-- status: pending, succeeded, failed, refunded, partially_refunded.
CREATE TABLE payments (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  user_id {{bigint}} NOT NULL,
  provider {{str}} NOT NULL,
  provider_payment_id {{str}} NOT NULL,
  reference {{str}} NOT NULL,
  amount_yen {{bigint}} NOT NULL,
  refunded_yen {{bigint}} NOT NULL DEFAULT 0,
  method {{str}} NOT NULL,
  status {{str}} NOT NULL,
  description {{str}} NOT NULL,
  checkout_url {{text}} NOT NULL,
  created_at {{str}} NOT NULL,
  updated_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX payments_reference ON payments (reference);
CREATE UNIQUE INDEX payments_provider_id ON payments (provider, provider_payment_id);
CREATE INDEX payments_municipality ON payments (municipality_id, id);

-- Webhook events already applied, one row per (provider, event id): a replayed delivery finds its
-- row and changes nothing.
CREATE TABLE payment_events (
  id {{pk}},
  provider {{str}} NOT NULL,
  event_id {{str}} NOT NULL,
  event_type {{str}} NOT NULL,
  payment_id {{bigint}} NOT NULL,
  received_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX payment_events_unique ON payment_events (provider, event_id);

-- The built-in sandbox provider's own books (payments.provider = sandbox): what a real provider
-- keeps on its side. status: pending, succeeded, failed; refunded_yen grows with each refund.
CREATE TABLE payment_sandbox_payments (
  id {{pk}},
  public_id {{str}} NOT NULL,
  amount_yen {{bigint}} NOT NULL,
  refunded_yen {{bigint}} NOT NULL DEFAULT 0,
  method {{str}} NOT NULL,
  reference {{str}} NOT NULL,
  description {{str}} NOT NULL,
  return_url {{text}} NOT NULL,
  webhook_url {{text}} NOT NULL,
  status {{str}} NOT NULL,
  created_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX payment_sandbox_public ON payment_sandbox_payments (public_id);
