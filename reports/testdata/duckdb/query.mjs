// Runs one SQL query with DuckDB and prints {"columns":[{name,type}],"rows":[[...]]}
// as JSON on stdout. BIGINTs become numbers when exact, else strings; NaN and
// infinities become the strings "NaN", "Infinity", "-Infinity".
import { DuckDBInstance } from '@duckdb/node-api';

const sql = process.argv[2];
if (!sql) {
  console.error('usage: node query.mjs "SQL"');
  process.exit(2);
}
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
const reader = await conn.runAndReadAll(sql);
const names = reader.columnNames();
const types = reader.columnTypes().map((t) => t.toString());
const rows = reader.getRows().map((r) => r.map((v) => {
  if (typeof v === 'bigint') {
    return (v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(-Number.MAX_SAFE_INTEGER)) ? Number(v) : v.toString();
  }
  if (typeof v === 'number' && !Number.isFinite(v)) {
    return String(v);
  }
  if (v !== null && typeof v === 'object') {
    return v.toString();
  }
  return v;
}));
process.stdout.write(JSON.stringify({ columns: names.map((n, i) => ({ name: n, type: types[i] })), rows }));
