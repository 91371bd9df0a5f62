import { parseDatabaseUrl } from '../../src/persistence/database-url';

/**
 * Loaded first by the MariaDB run (test/mysql.mocharc.json). The run needs a database of its own,
 * which `npm run test:mysql` (scripts/test-mysql.js) creates, names and drops afterwards.
 */
const url = process.env.INTERFLOW_TEST_DB?.trim();
if (!url || parseDatabaseUrl(url).kind !== 'mysql') {
  process.stderr.write('test:mysql: INTERFLOW_TEST_DB is not a mysql:// URL; run `npm run test:mysql`, which creates a database for the run and drops it afterwards\n');
  process.exit(1);
}
