/** Sources that acknowledge alerts (PagerDuty, Zabbix) record when, per alert. */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('alerts').addColumn('acknowledged_at', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('alerts').dropColumn('acknowledged_at').execute();
}
