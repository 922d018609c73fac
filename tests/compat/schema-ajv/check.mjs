// Compiles Reel's schemas with ajv in strict mode and validates scripts with them.
// Usage: node check.mjs SCRIPT_SCHEMA INCLUDE_SCHEMA DIR — every DIR/*.script.json must pass the script schema and
// every DIR/*.include.json the include schema. Prints one line per file and exits 1 on any failure.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';

const [scriptSchemaPath, includeSchemaPath, dir] = process.argv.slice(2);
// strict: every keyword must be known, and the schemas use standard draft-07 keywords only (no keyword is added here).
// Union types (`type: [string, number]` for vars and matrix values) are standard JSON Schema; strict mode asks for them
// to be allowed explicitly.
const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });

let failed = 0;
const compile = (path) => {
  try {
    return ajv.compile(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    console.log(`FAIL  ${path} does not compile in strict mode: ${error.message}`);
    process.exit(1);
  }
};
const validators = { script: compile(scriptSchemaPath), include: compile(includeSchemaPath) };
console.log('ok    both schemas compile in strict mode');

for (const name of readdirSync(dir).sort()) {
  const kind = name.endsWith('.script.json') ? 'script' : name.endsWith('.include.json') ? 'include' : null;
  if (!kind) continue;
  const validate = validators[kind];
  if (validate(JSON.parse(readFileSync(join(dir, name), 'utf8')))) {
    console.log(`ok    ${name}`);
  } else {
    failed++;
    console.log(`FAIL  ${name}: ${ajv.errorsText(validate.errors)}`);
  }
}

console.log(failed === 0 ? 'all files valid' : `${failed} files invalid`);
process.exit(failed === 0 ? 0 : 1);
