#!/usr/bin/env node
// Checks a schema registry against Confluent's official JavaScript client and Avro serdes
// (@confluentinc/schemaregistry), the way a Node producer or consumer uses them.
//
//   node conformance.mjs <registry-url> <work-dir>
//
// Reads  <work-dir>/java-rawswipe.bin   bytes the Java AvroSerializer wrote (topic conformance-java)
//        <work-dir>/java-rawswipe.json  the record those bytes hold
// Writes <work-dir>/js-greeting.bin     a record of subject conformance-value, serialized by the JS client
//        <work-dir>/js-auto.bin         a record serialized with autoRegisterSchemas (subject conformance-auto-value)
//        <work-dir>/js-evolution-v1.bin a v1 record of subject conformance-evolution-value
// Exits non-zero on the first failed check.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  AvroDeserializer,
  AvroSerializer,
  RestError,
  SchemaRegistryClient,
  SerdeType,
} from '@confluentinc/schemaregistry';

const [url, workDir] = process.argv.slice(2);
if (!url || !workDir) {
  console.error('usage: node conformance.mjs <registry-url> <work-dir>');
  process.exit(2);
}

// A fresh client has empty caches, so each step below really asks the registry.
const newClient = () => new SchemaRegistryClient({
  baseURLs: [url],
  maxRetries: 1,
  retriesWaitMs: 100,
  createAxiosDefaults: { timeout: 30000 },
});

let checks = 0;
function ok(description) {
  checks += 1;
  console.log(`ok ${checks} - ${description}`);
}

const avro = (schema) => ({ schemaType: 'AVRO', schema: JSON.stringify(schema) });
const schemaIdOf = (bytes) => {
  assert.equal(bytes[0], 0, 'magic byte');
  return bytes.readInt32BE(1);
};

const GREETING = {
  type: 'record', name: 'Greeting', namespace: 'io.matchstream.conformance',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'count', type: 'int' },
    { name: 'score', type: 'double' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};
const GREETING_VALUE = { name: 'from-js', count: 42, score: 0.1, tags: ['a', 'b'], note: 'hello' };

async function jsRegistersAndSerializes() {
  const client = newClient();
  const id = await client.register('conformance-value', avro(GREETING));
  assert.ok(Number.isInteger(id) && id > 0, `id ${id}`);
  ok(`register conformance-value -> id ${id}`);

  assert.equal(await newClient().register('conformance-value', avro(GREETING)), id);
  assert.equal(await newClient().getId('conformance-value', avro(GREETING)), id);
  ok('registering again and looking up answer the same id');

  const latest = await newClient().getLatestSchemaMetadata('conformance-value');
  assert.equal(latest.id, id);
  assert.equal(latest.subject, 'conformance-value');
  assert.equal(latest.version, 1);
  assert.deepEqual(JSON.parse(latest.schema).fields.map((f) => f.name), GREETING.fields.map((f) => f.name));
  ok(`getLatestSchemaMetadata -> version ${latest.version}, id ${latest.id}`);
  assert.ok((await newClient().getAllSubjects()).includes('conformance-value'));
  assert.deepEqual(await newClient().getAllVersions('conformance-value'), [1]);
  ok('getAllSubjects and getAllVersions list it');

  // The way a producer uses a registered schema: the latest version of the topic's value subject.
  const serializer = new AvroSerializer(client, SerdeType.VALUE, { autoRegisterSchemas: false, useLatestVersion: true });
  const bytes = await serializer.serialize('conformance', GREETING_VALUE);
  assert.equal(schemaIdOf(bytes), id);
  fs.writeFileSync(path.join(workDir, 'js-greeting.bin'), bytes);
  ok(`AvroSerializer wrote ${bytes.length} bytes with schema id ${id}`);

  const decoded = await new AvroDeserializer(newClient(), SerdeType.VALUE, {}).deserialize('conformance', bytes);
  assert.deepEqual({ ...decoded }, GREETING_VALUE);
  ok('AvroDeserializer reads them back');

  // autoRegisterSchemas registers a schema the serializer infers from the value itself
  // (record Record1, non-integers as float), not a schema of ours.
  const autoSerializer = new AvroSerializer(newClient(), SerdeType.VALUE, { autoRegisterSchemas: true });
  const autoBytes = await autoSerializer.serialize('conformance-auto', { name: 'auto', count: 7, score: 0.5 });
  const autoMeta = await newClient().getLatestSchemaMetadata('conformance-auto-value');
  assert.equal(schemaIdOf(autoBytes), autoMeta.id);
  fs.writeFileSync(path.join(workDir, 'js-auto.bin'), autoBytes);
  ok(`autoRegisterSchemas registered ${autoMeta.schema} as id ${autoMeta.id}`);
}

async function jsReadsWhatJavaWrote() {
  const bytes = fs.readFileSync(path.join(workDir, 'java-rawswipe.bin'));
  const expected = JSON.parse(fs.readFileSync(path.join(workDir, 'java-rawswipe.json'), 'utf8'));
  const decoded = await new AvroDeserializer(newClient(), SerdeType.VALUE, {}).deserialize('conformance-java', bytes);
  console.log(`# decoded Java bytes (schema id ${schemaIdOf(bytes)}): ${JSON.stringify(decoded)}`);
  assert.deepEqual({ ...decoded }, expected);
  ok('AvroDeserializer decodes what io.matchstream AvroSerializer wrote');
}

async function evolution() {
  const subject = 'conformance-evolution-value';
  const v1 = {
    type: 'record', name: 'Member', namespace: 'io.matchstream.conformance',
    fields: [{ name: 'id', type: 'string' }, { name: 'age', type: 'int' }],
  };
  const v2 = { ...v1, fields: [...v1.fields, { name: 'city', type: 'string', default: 'unknown' }] };
  const v3 = { ...v1, fields: [...v2.fields, { name: 'score', type: 'double' }] };
  const client = newClient();

  const id1 = await client.register(subject, avro(v1));
  const v1Bytes = await new AvroSerializer(client, SerdeType.VALUE, { autoRegisterSchemas: false, useLatestVersion: true })
    .serialize('conformance-evolution', { id: 'm-1', age: 30 });
  assert.equal(schemaIdOf(v1Bytes), id1);
  fs.writeFileSync(path.join(workDir, 'js-evolution-v1.bin'), v1Bytes);
  ok(`v1 registered as id ${id1} and a v1 record written`);

  assert.equal(await client.getDefaultCompatibility(), 'BACKWARD');
  assert.equal(await client.testSubjectCompatibility(subject, avro(v2)), true);
  assert.equal(await client.testCompatibility(subject, 1, avro(v3)), false);
  ok('testSubjectCompatibility: v2 (field with a default) is compatible, v3 (field without) is not');

  const id2 = await client.register(subject, avro(v2));
  assert.notEqual(id2, id1);
  const latest = await newClient().getLatestSchemaMetadata(subject);
  assert.equal(latest.version, 2);
  assert.equal(latest.id, id2);
  ok(`backward-compatible v2 registered as version 2, id ${id2}`);

  const reader = new AvroDeserializer(newClient(), SerdeType.VALUE, { useLatestVersion: true });
  const upgraded = await reader.deserialize('conformance-evolution', v1Bytes);
  assert.deepEqual({ ...upgraded }, { id: 'm-1', age: 30, city: 'unknown' });
  ok(`v1 bytes read with the latest (v2) schema: ${JSON.stringify(upgraded)}`);

  try {
    await client.register(subject, avro(v3));
    assert.fail('an incompatible v3 was registered');
  } catch (e) {
    assert.ok(e instanceof RestError, `expected a RestError, got ${e}`);
    assert.equal(e.status, 409);
    assert.equal(e.errorCode, 409);
    ok(`incompatible v3 refused: HTTP ${e.status}, error_code ${e.errorCode}`);
  }
  assert.deepEqual(await newClient().getAllVersions(subject), [1, 2]);
  ok('the subject still has versions [1, 2]');
}

try {
  await jsRegistersAndSerializes();
  await jsReadsWhatJavaWrote();
  await evolution();
  console.log(`# all ${checks} checks passed against ${url}`);
} catch (e) {
  console.error(`not ok ${checks + 1} - ${e && e.stack ? e.stack : e}`);
  process.exit(1);
}
