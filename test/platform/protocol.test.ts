// capsule.proto against the installed wheel: every message, field (name, number, type,
// repeated/map/oneof), enum and RPC (service, method, streaming kind, request and response) that
// the SDK's generated client defines must be in our proto exactly, and nothing more. A new SDK
// release that changes the protocol fails here, naming its version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { PINNED_CPSL, requireSdkPython } from '../support/python';
import { pickPlaintextPort, sdkDialsTls } from '../../emulator/platform/plaintext-port';
import { PINNED_REQUIRES_PYTHON, protocolDifferences, protoSdkVersion, sdkProtocolScript, type SdkProtocol } from '../../emulator/platform/protocol';

function wheelProtocol(): SdkProtocol {
  return JSON.parse(execFileSync(requireSdkPython(), [sdkProtocolScript()], { encoding: 'utf8' })) as SdkProtocol;
}

test('capsule.proto is exactly the protocol of the installed cpsl wheel', () => {
  const sdk = wheelProtocol();
  assert.ok(Object.keys(sdk.messages).length > 100, `the dump found only ${Object.keys(sdk.messages).length} messages`);
  assert.ok(sdk.services.RunnerService?.Recv, 'the dump reads the stubs (RunnerService.Recv)');
  const diff = protocolDifferences(sdk);
  assert.deepEqual(diff, [], `cpsl ${sdk.version} speaks another protocol than capsule.proto (written from cpsl ${protoSdkVersion()}):\n  ${diff.join('\n  ')}`);
});

test('the proto, the pin and the installed wheel name the same SDK version', () => {
  const sdk = wheelProtocol();
  assert.equal(sdk.version, PINNED_CPSL, `.venv has cpsl ${sdk.version}, requirements-sdk.txt pins ${PINNED_CPSL}: run bash scripts/setup-python.sh`);
  assert.equal(protoSdkVersion(), PINNED_CPSL, 'capsule.proto says which SDK it was written from');
  assert.equal(sdk.requires_python, PINNED_REQUIRES_PYTHON, 'the Python the pinned wheel needs, as serve tells a user with an older one');
});

test('the comparison catches a changed number, a changed type, a removed RPC and an extra field', () => {
  const sdk = wheelProtocol();
  sdk.messages.RegisterRequest!.fields[0]!.number = 99;
  sdk.messages.ChannelSpec!.fields.find((f) => f.name === 'config')!.type = 'map<string,int32>';
  delete sdk.services.RunnerService!.Recv;
  sdk.messages.InboundMessage!.fields.push({ name: 'brand_new', number: 40, type: 'string', label: '' });
  sdk.messages.RecvResponse!.fields.find((f) => f.name === 'task')!.oneof = undefined;
  const diff = protocolDifferences(sdk);
  const want = [/RegisterRequest\.app_id: the SDK has "string app_id = 99"/, /ChannelSpec\.config/, /rpc RunnerService\.Recv is in capsule\.proto but not in the SDK/, /InboundMessage\.brand_new .* is not in capsule\.proto/, /RecvResponse\.task: .*oneof payload/];
  for (const w of want) assert.ok(diff.some((d) => w.test(d)), `${w} in:\n${diff.join('\n')}`);
  assert.equal(diff.length, want.length, diff.join('\n'));
});

test('the gateway never listens on a port the SDK would dial with TLS', async () => {
  // The SDK's own channel, with grpc's two channel constructors recorded instead of dialling.
  const ports = [43443, 8443, 1443, 50443, 4430, 44301, 38495, 50051];
  const script = `
import json, sys, grpc
used = {}
grpc.secure_channel = lambda addr, *a, **k: used.__setitem__(addr, 'tls') or grpc.insecure_channel('127.0.0.1:1')
real_insecure = grpc.insecure_channel
def insecure(addr, *a, **k):
    used.setdefault(addr, 'plaintext')
    return real_insecure(addr, *a, **k)
grpc.insecure_channel = insecure
from cpsl.channel import Channel
for port in json.loads(sys.argv[1]):
    Channel(f'127.0.0.1:{port}', token='t')
print(json.dumps(used))`;
  const used = JSON.parse(execFileSync(requireSdkPython(), ['-c', script, JSON.stringify(ports)], { encoding: 'utf8' })) as Record<string, string>;
  for (const port of ports) assert.equal(sdkDialsTls(port), used[`127.0.0.1:${port}`] === 'tls', `port ${port}: the SDK dials it with ${used[`127.0.0.1:${port}`]}`);

  // A bind that hands out such ports first: they are given back, and the first plaintext one kept.
  const offered = [43443, 8443, 40123];
  const released: number[] = [];
  assert.equal(await pickPlaintextPort(async () => offered.shift()!, (p) => released.push(p)), 40123);
  assert.deepEqual(released, [43443, 8443]);
});
