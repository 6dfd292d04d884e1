/** The pure side of dependencies: endpoint parsing, matching to data stores, smells, secret references. */
import { describe, expect, it } from '@jest/globals';
import { endpointsOf, isUrlVariable, parseEndpoint } from '../../../checks/support/dependencies.js';
import { connectionWarnings, expectationWarnings, matchDependencies, schemeFor, type DataStore } from '../../../checks/support/dependencies-match.js';
import { accountOf, parseValueFrom, secretReferences } from '../../../checks/support/dependencies-secrets.js';
import { storeServiceOf } from '../../../checks/support/dependencies-aws.js';
import { cidrCovers } from '../../../checks/support/ec2.js';

const PRIMARY = 'master.hokusai-redis-development.lenvj6.use1.cache.amazonaws.com';
const DB = 'hokusai-db.abcdefghij.us-east-1.rds.amazonaws.com';

describe('parseEndpoint', () => {
  it.each([
    // URLs: scheme, host, port (default by scheme), password kept apart for masking
    ['redis://cache.internal:6380/0', { form: 'url', scheme: 'redis', host: 'cache.internal', port: 6380 }],
    ['rediss://:s3cret@cache.internal', { form: 'url', scheme: 'rediss', host: 'cache.internal', port: 6379, password: 's3cret' }],
    ['postgres://app:p%40ss@db.internal/app', { form: 'url', scheme: 'postgres', host: 'db.internal', port: 5432, password: 'p@ss' }],
    ['postgresql://db.internal:6432/app?sslmode=require', { form: 'url', scheme: 'postgresql', host: 'db.internal', port: 6432 }],
    ['mysql://u:p@10.0.3.4/app', { form: 'url', scheme: 'mysql', host: '10.0.3.4', port: 3306, password: 'p' }],
    ['https://api.example.com/v1', { form: 'url', scheme: 'https', host: 'api.example.com', port: 443 }],
    ['http://api.internal:8080', { form: 'url', scheme: 'http', host: 'api.internal', port: 8080 }],
    ['amqp://broker.internal:5672', { form: 'url', scheme: 'amqp', host: 'broker.internal', port: 5672 }],
    ['REDIS://Cache.Internal:6379', { form: 'url', scheme: 'redis', host: 'cache.internal', port: 6379 }],
    // host:port, optionally with a path
    [`${PRIMARY}:6379`, { form: 'host-port', host: PRIMARY, port: 6379 }],
    ['localhost:5432/app', { form: 'host-port', host: 'localhost', port: 5432 }],
    ['10.0.1.5:11211', { form: 'host-port', host: '10.0.1.5', port: 11211 }],
    ['  db.internal:5432  ', { form: 'host-port', host: 'db.internal', port: 5432 }],
    // bare AWS endpoint hostnames of data stores
    [PRIMARY, { form: 'aws-hostname', host: PRIMARY }],
    [DB, { form: 'aws-hostname', host: DB }],
    ['clustercfg.m1.aoneci.memorydb.us-east-1.amazonaws.com', { form: 'aws-hostname', host: 'clustercfg.m1.aoneci.memorydb.us-east-1.amazonaws.com' }],
  ])('%s is an endpoint', (value, expected) => {
    expect(parseEndpoint(value)).toEqual(expected);
  });

  it.each([
    ['', 'empty'],
    ['true', 'a word'],
    ['6379', 'a number'],
    ['12:30', 'a time'],
    ['db.internal:99999', 'a port out of range'],
    ['db.internal:0', 'port 0'],
    ['h1:5432,h2:5432', 'a list'],
    ['hello world:80', 'spaces'],
    ['api.example.com', 'a hostname that is not an AWS data store'],
    ['sqs.us-east-1.amazonaws.com', 'an AWS service endpoint that is not a data store'],
    ['file:///etc/passwd', 'a URL without a host'],
    ['redis://', 'a scheme alone'],
    ['-bad-.internal:80', 'an invalid hostname'],
  ])('%j is not an endpoint (%s)', (value) => {
    expect(parseEndpoint(value)).toBeUndefined();
  });
});

describe('endpointsOf', () => {
  it('lists every environment endpoint per container, and the secrets named like endpoints, never their values', () => {
    const found = endpointsOf([
      {
        name: 'api',
        environment: [
          { name: 'REDIS_URL', value: `${PRIMARY}:6379` },
          { name: 'LOG_LEVEL', value: 'info' },
          { name: 'EMPTY' },
        ],
        secrets: [{ name: 'DATABASE_URL' }, { name: 'HUGGINGFACE_API_KEY' }, { name: 'CACHE_HOST' }],
      },
      { name: 'worker', environment: [{ name: 'QUEUE', value: 'amqp://broker.internal' }], secrets: [] },
    ]);
    expect(found.references).toEqual([
      { container: 'api', variable: 'REDIS_URL', form: 'host-port', host: PRIMARY, port: 6379 },
      { container: 'worker', variable: 'QUEUE', form: 'url', scheme: 'amqp', host: 'broker.internal' },
    ]);
    expect(found.hidden).toEqual([
      { container: 'api', variable: 'DATABASE_URL' },
      { container: 'api', variable: 'CACHE_HOST' },
    ]);
  });

  it.each([
    ['REDIS_URL', true],
    ['DATABASE_URI', true],
    ['URL', true],
    ['redis_url', true],
    ['REDIS_URLS', false],
    ['CURL', false],
    ['REDIS_HOST', false],
  ])('isUrlVariable(%s) = %s', (name, expected) => {
    expect(isUrlVariable(name)).toBe(expected);
  });
});

const redisGroup: DataStore = {
  kind: 'elasticache-replication-group',
  id: 'hokusai-redis-development',
  engine: 'redis',
  securityGroups: ['sg-0454e74e2924a7754'],
  tls: false,
  endpoints: [
    { address: PRIMARY, port: 6379, role: 'primary' },
    { address: 'replica.hokusai-redis-development.lenvj6.use1.cache.amazonaws.com', port: 6379, role: 'reader' },
  ],
};
const tlsGroup: DataStore = { ...redisGroup, id: 'secure', tls: true, endpoints: [{ address: 'master.secure.x.use1.cache.amazonaws.com', port: 6379, role: 'primary' }] };
const database: DataStore = { kind: 'rds-instance', id: 'hokusai-db', engine: 'postgres', securityGroups: ['sg-0db'], endpoints: [{ address: DB, port: 5432, role: 'instance' }] };

const ref = (variable: string, value: string) => ({ container: 'api', variable, ...parseEndpoint(value)! });

describe('matchDependencies', () => {
  it('matches primary, reader and instance endpoints (case and a trailing dot ignored); the rest is unmatched', () => {
    const references = [
      ref('REDIS_URL', `${PRIMARY.toUpperCase()}:6379`),
      ref('REDIS_READER', 'redis://replica.hokusai-redis-development.lenvj6.use1.cache.amazonaws.com.:6379'),
      ref('DATABASE_URL', `postgresql://app@${DB}/app`),
      ref('QUEUE_URL', 'broker.internal:5672'),
    ];
    const { dependencies, unmatched } = matchDependencies(references, [redisGroup, database]);
    expect(dependencies.map((d) => [d.reference.variable, d.store.id, d.endpoint.role, d.port])).toEqual([
      ['REDIS_URL', 'hokusai-redis-development', 'primary', 6379],
      ['REDIS_READER', 'hokusai-redis-development', 'reader', 6379],
      ['DATABASE_URL', 'hokusai-db', 'instance', 5432],
    ]);
    expect(unmatched.map((u) => u.variable)).toEqual(['QUEUE_URL']);
  });
});

describe('configuration smells', () => {
  it.each([
    ['no scheme in a *_URL (the incident)', 'REDIS_URL', `${PRIMARY}:6379`, redisGroup, [`REDIS_URL (container api) has no scheme: "${PRIMARY}:6379"`, `write it as redis://${PRIMARY}:6379`]],
    ['a bare hostname in a *_URI', 'REDIS_URI', PRIMARY, redisGroup, ['REDIS_URI (container api) has no scheme', `write it as redis://${PRIMARY}`]],
    ['no scheme, TLS group: suggests rediss', 'REDIS_URL', 'master.secure.x.use1.cache.amazonaws.com:6379', tlsGroup, ['write it as rediss://master.secure.x.use1.cache.amazonaws.com:6379']],
    ['redis:// against in-transit encryption', 'REDIS_URL', 'redis://master.secure.x.use1.cache.amazonaws.com:6379', tlsGroup, ['uses redis:// but ElastiCache replication group secure requires in-transit encryption (TLS): use rediss://master.secure.x.use1.cache.amazonaws.com:6379']],
    ['rediss:// against a plain group', 'REDIS_URL', `rediss://${PRIMARY}:6379`, redisGroup, ['uses rediss:// but ElastiCache replication group hokusai-redis-development has no in-transit encryption']],
    ['another port', 'REDIS_URL', `redis://${PRIMARY}:6380`, redisGroup, ['REDIS_URL (container api) connects to port 6380, but ElastiCache replication group hokusai-redis-development listens on 6379']],
    ['no scheme for a database: suggests postgresql', 'DATABASE_URL', `${DB}:5432`, database, [`write it as postgresql://${DB}:5432`]],
  ])('%s', (_, variable, value, store, texts) => {
    const reference = ref(variable, value);
    const warnings = connectionWarnings(reference, store, matchDependencies([reference], [store]).dependencies[0]!.endpoint);
    expect(warnings).toHaveLength(1);
    for (const text of texts) expect(warnings[0]).toContain(text);
  });

  it.each([
    ['a correct redis:// URL', 'REDIS_URL', `redis://${PRIMARY}:6379`, redisGroup],
    ['rediss:// to a TLS group', 'REDIS_URL', 'rediss://master.secure.x.use1.cache.amazonaws.com', tlsGroup],
    ['host:port in a variable not named *_URL', 'REDIS_HOST', `${PRIMARY}:6379`, redisGroup],
    ['postgres:// (either spelling) to a database', 'DATABASE_URL', `postgres://${DB}/app`, database],
  ])('no warning for %s', (_, variable, value, store) => {
    const reference = ref(variable, value);
    expect(matchDependencies([reference], [store]).dependencies[0]!.warnings).toEqual([]);
  });

  it('without a known resource, only the scheme smell applies', () => {
    expect(expectationWarnings(ref('QUEUE_URL', 'broker.internal:5672'), {})).toEqual([
      'QUEUE_URL (container api) has no scheme: "broker.internal:5672" — URL parsers reject it or fall back to a default host ("missing scheme"); write it as a URL (scheme://host:port)',
    ]);
  });

  it.each([
    [redisGroup, 'redis'],
    [tlsGroup, 'rediss'],
    [database, 'postgresql'],
    [{ ...database, engine: 'aurora-mysql' }, 'mysql'],
    [{ ...redisGroup, engine: 'memcached' }, undefined],
  ])('schemeFor %#', (store, scheme) => {
    expect(schemeFor(store)).toBe(scheme);
  });

  it.each([
    [PRIMARY, 'elasticache'],
    [DB, 'rds'],
    ['clustercfg.m1.aoneci.memorydb.us-east-1.amazonaws.com', 'memorydb'],
    ['broker.internal', undefined],
  ])('storeServiceOf(%s) = %s', (host, service) => {
    expect(storeServiceOf(host)).toBe(service);
  });
});

describe('secret references', () => {
  it.each([
    ['arn:aws:secretsmanager:us-east-1:123456789012:secret:app/key-AbCdEf', { store: 'secretsmanager', id: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app/key-AbCdEf', region: 'us-east-1', account: '123456789012' }],
    ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:password::', { store: 'secretsmanager', id: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf', region: 'eu-west-1', account: '123456789012' }],
    ['arn:aws:ssm:us-east-1:123456789012:parameter/prod/db/password', { store: 'ssm', id: '/prod/db/password', region: 'us-east-1', account: '123456789012' }],
    ['arn:aws:ssm:us-east-1:123456789012:parameter/db-password', { store: 'ssm', id: 'db-password', region: 'us-east-1', account: '123456789012' }],
    ['/prod/db/password', { store: 'ssm', id: '/prod/db/password' }],
    ['db-password', { store: 'ssm', id: 'db-password' }],
  ])('parseValueFrom(%s)', (valueFrom, expected) => {
    expect(parseValueFrom(valueFrom, 'secret X')).toEqual({ usedAs: 'secret X', ...expected });
  });

  it('collects container secrets, log secret options and repository credentials', () => {
    const refs = secretReferences({
      containerDefinitions: [
        {
          name: 'app',
          secrets: [{ name: 'A', valueFrom: 'a' }],
          logConfiguration: { logDriver: 'awsfirelens', secretOptions: [{ name: 'apiKey', valueFrom: 'b' }] },
          repositoryCredentials: { credentialsParameter: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:registry-AbCdEf' },
        },
      ],
    });
    expect(refs.map((r) => r.usedAs)).toEqual(['secret A (container app)', 'log option apiKey (container app)', 'repository credentials (container app)']);
  });

  it('reads the account of an ARN', () => {
    expect(accountOf('arn:aws:ecs:us-east-1:123456789012:task-definition/api:7')).toBe('123456789012');
    expect(accountOf(undefined)).toBeUndefined();
  });
});

describe('cidrCovers', () => {
  it.each([
    ['10.0.0.0/16', '10.0.1.0/24', true],
    ['10.0.1.0/24', '10.0.1.0/24', true],
    ['0.0.0.0/0', '192.168.0.0/16', true],
    ['10.0.1.0/24', '10.0.0.0/16', false],
    ['10.1.0.0/16', '10.0.1.0/24', false],
    ['10.0.0.0/8', '11.0.0.0/24', false],
    ['not-a-cidr', '10.0.1.0/24', false],
    ['10.0.0.0/33', '10.0.1.0/24', false],
  ])('%s covers %s: %s', (outer, inner, expected) => {
    expect(cidrCovers(outer, inner)).toBe(expected);
  });
});
