/** `npm run db:migrate`: applies pending migrations to DATABASE_URL (server mode). */
import { env } from "../server/env";
import { migrate } from "../server/db/migrate";

// a direct connection when DATABASE_URL goes through a transaction pooler (the migration lock is session-scoped)
const url = env().CADRE_MIGRATE_DATABASE_URL ?? env().DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set (the embedded database is migrated by `npm start`)");
  process.exit(1);
}
migrate(url)
  .then((applied) => console.log(applied.length ? `applied: ${applied.join(", ")}` : "up to date"))
  .catch((error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  });
