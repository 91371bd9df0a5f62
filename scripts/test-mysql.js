#!/usr/bin/env node
'use strict';
/**
 * `npm run test:mysql`: the suite on MariaDB/MySQL, in databases of this run's own. It creates
 * database `ift_<random>` on the server (INTERFLOW_TEST_MYSQL_SERVER, default
 * mysql://root@127.0.0.1:3306), runs mocha with INTERFLOW_TEST_DB pointing at it (tests derive their
 * other databases and users from that name: ift_<random>_fed_market, …), then drops every database
 * and user whose name starts with it, whatever the outcome. Two checkouts testing at once never
 * touch each other's databases. Extra arguments go to mocha.
 */
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const path = require('node:path');
const mysql = require('mysql2/promise');

const server = new URL(process.env.INTERFLOW_TEST_MYSQL_SERVER || 'mysql://root@127.0.0.1:3306');
const run = `ift_${randomBytes(4).toString('hex')}`;

async function connect() {
  return mysql.createConnection({
    host: server.hostname,
    port: Number(server.port || 3306),
    user: decodeURIComponent(server.username || 'root'),
    password: decodeURIComponent(server.password || '') || undefined,
  });
}

async function dropRun() {
  const conn = await connect();
  try {
    const [dbs] = await conn.query('SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE ?', [`${run}%`]);
    for (const { name } of dbs) await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
    const [users] = await conn.query('SELECT user, host FROM mysql.user WHERE user LIKE ?', [`${run}%`]);
    for (const u of users) await conn.query('DROP USER IF EXISTS ?@?', [u.user ?? u.User, u.host ?? u.Host]);
    return dbs.length;
  } finally {
    await conn.end();
  }
}

async function main() {
  let conn;
  try {
    conn = await connect();
  } catch (e) {
    process.stderr.write(`test:mysql: cannot reach MariaDB/MySQL at ${server.host} as ${server.username || 'root'} (${e.code || e.message}); start it, or set INTERFLOW_TEST_MYSQL_SERVER=mysql://user:pass@host:port\n`);
    process.exit(1);
  }
  await conn.query(`CREATE DATABASE \`${run}\``);
  await conn.end();
  const url = new URL(server.href);
  url.pathname = `/${run}`;
  process.stdout.write(`test:mysql: databases ${run}* on ${server.host} (dropped afterwards)\n`);
  const mocha = require.resolve('mocha/bin/mocha.js');
  const child = spawn(process.execPath, [mocha, '--config', path.join(__dirname, '..', 'test', 'mysql.mocharc.json'), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, INTERFLOW_TEST_DB: url.toString(), INTERFLOW_TEST_RUN: run },
  });
  const forward = (signal) => child.kill(signal);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, forward);
  const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  try {
    await dropRun();
  } catch (e) {
    process.stderr.write(`test:mysql: could not drop the databases ${run}*: ${e.message}\n`);
  }
  process.exit(code);
}

main().catch((e) => {
  process.stderr.write(`test:mysql: ${e.message}\n`);
  process.exit(1);
});
