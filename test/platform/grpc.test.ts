// The gRPC gateway's front door, with a gRPC client of its own: every call needs the token of a
// runner this emulator launched; a malformed message gets a gRPC error, not a crash; an RPC that
// is not emulated says which feature. The app keeps answering throughout.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { emulatorForSuite, type RunningEmulator } from '../support/emulator';
import { chat, json } from '../emulator/helpers';
import { packageDefinition } from '../../emulator/platform/protocol';

type Callback = (err: grpc.ServiceError | null, res?: Record<string, unknown>) => void;
type Stub = grpc.Client & Record<string, (req: object, md: grpc.Metadata, cb: Callback) => void> & Record<string, (req: object, md: grpc.Metadata) => grpc.ClientReadableStream<unknown>>;

const capsule = grpc.loadPackageDefinition(packageDefinition()).capsule as unknown as Record<string, new (addr: string, creds: grpc.ChannelCredentials) => Stub>;

function metadata(token?: string): grpc.Metadata {
  const md = new grpc.Metadata();
  if (token !== undefined) md.set('authorization', `Bearer ${token}`);
  return md;
}

function unary(stub: Stub, method: string, req: object, md: grpc.Metadata): Promise<{ err: grpc.ServiceError | null; res?: Record<string, unknown> }> {
  return new Promise((resolve) => (stub[method] as (r: object, m: grpc.Metadata, cb: Callback) => void).call(stub, req, md, (err, res) => resolve({ err, res })));
}

/** The runner's token, from its process's environment (the gateway gave it at launch). */
function runnerToken(pid: number): string {
  const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  const line = env.find((l) => l.startsWith('CAPSULE_RUNNER_TOKEN='));
  assert.ok(line, 'the runner has CAPSULE_RUNNER_TOKEN');
  return line.slice('CAPSULE_RUNNER_TOKEN='.length);
}

describe('the gRPC gateway', () => {
  let emu: RunningEmulator;
  let address: string;
  let token: string;
  emulatorForSuite({ app: join(__dirname, 'fixtures', 'quickstart') }, (e) => (emu = e));
  const client = (service: string): Stub => new capsule[service]!(address, grpc.credentials.createInsecure());

  test('it listens on 127.0.0.1 and the runner got its address and a token', async () => {
    const { body } = await json<{ grpc: string; apps: Array<{ pid: number }> }>(emu, '/api/state');
    address = body.grpc;
    assert.match(address, /^127\.0\.0\.1:\d+$/);
    token = runnerToken(body.apps[0]!.pid);
    const env = readFileSync(`/proc/${body.apps[0]!.pid}/environ`, 'utf8').split('\0');
    assert.ok(env.includes(`CAPSULE_GATEWAY_HOST=${address}`));
    assert.ok(env.includes('CAPSULE_ENV_TYPE=serve'));
  });

  test('no token or a wrong one: UNAUTHENTICATED, for unary calls and for the Recv stream', async () => {
    const runner = client('RunnerService');
    for (const md of [metadata(), metadata('not-a-runner-token'), metadata('')]) {
      const { err } = await unary(runner, 'Register', { app_id: 'x' }, md);
      assert.equal(err?.code, grpc.status.UNAUTHENTICATED, String(err?.details));
      assert.match(err!.details, /wrong or missing runner token/);
      const { err: secretErr } = await unary(client('SecretService'), 'GetSecret', { name: 'ANY' }, md);
      assert.equal(secretErr?.code, grpc.status.UNAUTHENTICATED);
    }
    const stream = (runner.Recv as (r: object, m: grpc.Metadata) => grpc.ClientReadableStream<unknown>).call(runner, { app_id: 'x' }, metadata('wrong'));
    const code = await new Promise<number>((resolve) => {
      stream.on('error', (e: grpc.ServiceError) => resolve(e.code));
      stream.on('data', () => resolve(-1));
    });
    assert.equal(code, grpc.status.UNAUTHENTICATED);
    runner.close();
  });

  test('a malformed message gets a gRPC error; the gateway and the app go on', async () => {
    const raw = new grpc.Client(address, grpc.credentials.createInsecure());
    const err = await new Promise<grpc.ServiceError | null>((resolve) =>
      raw.makeUnaryRequest(
        '/capsule.SessionService/GetSession',
        () => Buffer.from([0x0a, 0xff, 0x01]), // field 1, a length past the end
        (b: Buffer) => b,
        {},
        metadata(token),
        (e) => resolve(e),
      ),
    );
    assert.ok(err, 'an error, not an answer');
    assert.notEqual(err.code, grpc.status.OK);
    raw.close();
    const { err: unknownSession } = await unary(client('SessionService'), 'GetSession', { session_id: 'ses_nope' }, metadata(token));
    assert.equal(unknownSession?.code, grpc.status.NOT_FOUND);
    assert.match(unknownSession!.details, /unknown session "ses_nope"/);
    const { err: badData } = await unary(client('SessionService'), 'SaveSessionData', { session_id: 'ses_nope', data_json: '[1,2' }, metadata(token));
    assert.ok(badData && [grpc.status.NOT_FOUND, grpc.status.INVALID_ARGUMENT].includes(badData.code));
    assert.equal((await chat(emu, 'still here')).body.reply, 'Hello user_dev! You said: still here');
  });

  test('TaskService: bad input gets a clear error and queues nothing', async () => {
    const tasks = client('TaskService');
    const md = (): grpc.Metadata => metadata(token);
    const cases: Array<[string, object, grpc.status, RegExp]> = [
      ['SubmitTask', { task_name: 'crunch', kwargs_json: Buffer.from('{"n": 1') }, grpc.status.INVALID_ARGUMENT, /kwargs_json is not JSON/],
      ['SubmitTask', { task_name: 'crunch', kwargs_json: Buffer.from('[1]') }, grpc.status.INVALID_ARGUMENT, /kwargs_json is not a JSON object/],
      ['SubmitTask', { task_name: '' }, grpc.status.INVALID_ARGUMENT, /task_name is required/],
      ['SubmitTask', { task_name: 'crunch', scheduled_at: 'tomorrow' }, grpc.status.INVALID_ARGUMENT, /scheduled_at "tomorrow" is not an ISO 8601 time/],
      ['SubmitTask', { task_name: 'crunch', app_id: 'someone_else' }, grpc.status.PERMISSION_DENIED, /is not this runner's app/],
      ['FindTasks', { kwargs_filter_json: Buffer.from('[1') }, grpc.status.INVALID_ARGUMENT, /kwargs_filter_json is not JSON/],
      ['GetTask', { task_id: 'task_nope' }, grpc.status.NOT_FOUND, /unknown task "task_nope"/],
      ['CompleteTask', { task_id: 'task_nope', status: 'COMPLETED' }, grpc.status.NOT_FOUND, /unknown task "task_nope"/],
      ['SubmitTask', { task_name: 'crunch', recurrence_seconds: -300 }, grpc.status.INVALID_ARGUMENT, /recurrence_seconds must be a non-negative integer/],
      ['RefreshTaskTimeout', { task_id: 'task_nope' }, grpc.status.NOT_FOUND, /unknown task "task_nope"/],
    ];
    for (const [method, req, code, want] of cases) {
      const { err } = await unary(tasks, method, req, md());
      assert.equal(err?.code, code, `${method} ${JSON.stringify(req)}: ${err?.details}`);
      assert.match(err!.details, want);
    }
    const { err, res } = await unary(tasks, 'CountTasks', {}, md());
    assert.equal(err, null);
    assert.equal(Number(res!.count), 0);
    const claim = await unary(tasks, 'ClaimTask', { task_id: 'task_nope' }, md());
    assert.equal(claim.res?.ok, false, 'an unknown task is not claimed');
    tasks.close();
  });

  test('an RPC that is not emulated answers UNIMPLEMENTED with the feature named; the SDK never gets an update', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['FilesystemService', 'ListFilesystems', /^the Capsule CLI's managed filesystem API \(cpsl fs\) is not available in Capsule Local yet$/],
      ['CapsuleService', 'ListApps', /listing apps .* is not available in Capsule Local yet$/],
      ['SecretService', 'CreateSecret', /capsule-local secret set/],
    ];
    for (const [service, method, want] of cases) {
      const { err } = await unary(client(service), method, {}, metadata(token));
      assert.equal(err?.code, grpc.status.UNIMPLEMENTED, `${service}.${method}: ${err?.details}`);
      assert.match(err!.details, want);
    }
    const { err, res } = await unary(client('RunnerService'), 'Heartbeat', { app_id: 'x' }, metadata(token));
    assert.equal(err, null);
    assert.equal((res!.update as { sdk_version?: string } | null)?.sdk_version ?? '', '', 'no self-update command');
  });

  test('PipedreamProxy without an integration type or a connected account says what is missing', async () => {
    const session = client('SessionService');
    const cases: Array<[object, grpc.status, RegExp]> = [
      [{}, grpc.status.INVALID_ARGUMENT, /^integration_type is required$/],
      [{ integration_type: 'github', owner_id: 'user_dev', url: '/user' }, grpc.status.FAILED_PRECONDITION, /^github is not connected for user_dev in .*session\.require_integration\("github"\)/],
      [{ integration_type: 'github', owner_id: 'user_dev', method: 'GET /x', url: '/user' }, grpc.status.INVALID_ARGUMENT, /"GET \/X" is not an HTTP method/],
    ];
    for (const [req, code, want] of cases) {
      const { err } = await unary(session, 'PipedreamProxy', req, metadata(token));
      assert.equal(err?.code, code, `${JSON.stringify(req)}: ${err?.details}`);
      assert.match(err!.details, want);
    }
    session.close();
  });

  test('GetSecret resolves through the workspace resolver and never answers a value for an unknown name', async () => {
    const { res } = await unary(client('SecretService'), 'GetSecret', { name: 'NOT_DEFINED_ANYWHERE' }, metadata(token));
    assert.equal(res!.ok, false);
    assert.equal(res!.value, '');
    assert.match(String(res!.err_msg), /NOT_DEFINED_ANYWHERE/);
  });
});
