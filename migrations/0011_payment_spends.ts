import type { Knex } from 'knex';

/**
 * The outpoints each payment's transaction spends, one row each, looked up by outpoint:
 * every payment found asks which standing payments spend what it spends (a replacement
 * or a double spend retires them). Asked of `payments.spends` (a JSON list) with LIKE,
 * that read every unconfirmed payment each time, which grows with a busy shop's mempool.
 *
 * A trigger fills it from `payments.spends`, which is written once with its payment and
 * never changed, so the two cannot disagree whoever inserts the payment (the watcher,
 * or `till migrate --from-sqlite`, which leaves this table to it).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('payment_spends', (t) => {
    // txid (64 hex), ':', vout (at most 10 digits).
    t.string('outpoint', 75).notNullable();
    t.integer('payment_id').notNullable().references('id').inTable('payments');
    t.primary(['outpoint', 'payment_id']);
  });
  if (knex.client.config.client === 'pg') {
    // The outpoints of a spends value: none for one that is not a JSON list of strings, and
    // no string longer than an outpoint (Till writes nothing else; a row written by hand
    // must not stop inserts or migrations).
    await knex.raw(`
      CREATE FUNCTION till_spends_outpoints(spends text) RETURNS SETOF text LANGUAGE plpgsql IMMUTABLE AS $$
      DECLARE list jsonb;
      BEGIN
        BEGIN
          list := spends::jsonb;
        EXCEPTION WHEN others THEN
          RETURN;
        END;
        IF jsonb_typeof(list) IS DISTINCT FROM 'array' THEN RETURN; END IF;
        RETURN QUERY SELECT DISTINCT e #>> '{}' FROM jsonb_array_elements(list) AS e
          WHERE jsonb_typeof(e) = 'string' AND length(e #>> '{}') <= 75;
      END $$`);
    await knex.raw(`
      CREATE FUNCTION till_payment_spends() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO payment_spends (outpoint, payment_id)
          SELECT o, NEW.id FROM till_spends_outpoints(NEW.spends) AS o
          ON CONFLICT DO NOTHING;
        RETURN NULL;
      END $$`);
    await knex.raw(`
      CREATE TRIGGER payments_spends AFTER INSERT ON payments
        FOR EACH ROW WHEN (NEW.spends IS NOT NULL) EXECUTE FUNCTION till_payment_spends()`);
    await knex.raw(`
      INSERT INTO payment_spends (outpoint, payment_id)
        SELECT o, p.id FROM payments p, till_spends_outpoints(p.spends) AS o WHERE p.spends IS NOT NULL
        ON CONFLICT DO NOTHING`);
  } else {
    await knex.raw(`
      CREATE TRIGGER payments_spends AFTER INSERT ON payments WHEN json_valid(NEW.spends) AND json_type(NEW.spends) = 'array'
      BEGIN
        INSERT OR IGNORE INTO payment_spends (outpoint, payment_id)
          SELECT value, NEW.id FROM json_each(NEW.spends) WHERE type = 'text' AND length(value) <= 75;
      END`);
    await knex.raw(`
      INSERT OR IGNORE INTO payment_spends (outpoint, payment_id)
        SELECT j.value, p.id FROM payments p, json_each(p.spends) AS j
        WHERE json_valid(p.spends) AND json_type(p.spends) = 'array' AND j.type = 'text' AND length(j.value) <= 75`);
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS payments_spends' + (knex.client.config.client === 'pg' ? ' ON payments' : ''));
  if (knex.client.config.client === 'pg') {
    await knex.raw('DROP FUNCTION IF EXISTS till_payment_spends()');
    await knex.raw('DROP FUNCTION IF EXISTS till_spends_outpoints(text)');
  }
  await knex.schema.dropTable('payment_spends');
}
