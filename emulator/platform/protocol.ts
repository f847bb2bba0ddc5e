// The one home of the platform protocol on the Node side: where capsule.proto is and its SDK
// version (protocol-files.ts, re-exported here), the loaded definition the gRPC server serves, and
// the comparison with what an installed SDK speaks (sdk-protocol.py prints that), used by the
// protocol test and by `serve` when the app's SDK is not the pinned one.
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import { protoPath } from './protocol-files';

export { PINNED_REQUIRES_PYTHON, protoPath, sdkProtocolScript, launcherDir, protoSdkVersion } from './protocol-files';

let loaded: PackageDefinition | undefined;
/** snake_case fields as on the wire, defaults filled in, 64-bit numbers as JS numbers. */
export function packageDefinition(): PackageDefinition {
  return (loaded ??= loadSync(protoPath(), { keepCase: true, defaults: true, longs: Number, enums: String, oneofs: true }));
}

/** What sdk-protocol.py prints. */
export interface SdkProtocol {
  sdk: string;
  version: string;
  python: string;
  requires_python: string;
  messages: Record<string, { fields: Array<{ name: string; number: number; type: string; label: string; oneof?: string }> }>;
  enums: Record<string, Record<string, number>>;
  services: Record<string, Record<string, { path: string; package: string; kind: string; request: string; response: string }>>;
}

/** The same shape, read from capsule.proto. */
export function protoAsSdkShape(): Omit<SdkProtocol, 'sdk' | 'version' | 'python' | 'requires_python'> {
  const root = new protobuf.Root().loadSync(protoPath(), { keepCase: true });
  root.resolveAll();
  const pkg = root.lookup('capsule') as protobuf.Namespace;
  const messages: SdkProtocol['messages'] = {};
  const enums: SdkProtocol['enums'] = {};
  const services: SdkProtocol['services'] = {};
  for (const obj of pkg.nestedArray) {
    if (obj instanceof protobuf.Type) {
      messages[obj.name] = {
        fields: obj.fieldsArray.map((f) => {
          const map = f instanceof protobuf.MapField;
          const out: SdkProtocol['messages'][string]['fields'][number] = {
            name: f.name,
            number: f.id,
            type: map ? `map<${(f as protobuf.MapField).keyType},${f.type}>` : f.type,
            label: map ? 'map' : f.repeated ? 'repeated' : f.options?.proto3_optional ? 'optional' : '',
          };
          const group = f.partOf && !f.partOf.name.startsWith('_') ? f.partOf.name : undefined;
          if (group) out.oneof = group;
          return out;
        }),
      };
    } else if (obj instanceof protobuf.Enum) {
      enums[obj.name] = { ...obj.values };
    } else if (obj instanceof protobuf.Service) {
      services[obj.name] = {};
      for (const m of obj.methodsArray) {
        const kind = m.requestStream ? (m.responseStream ? 'bidi' : 'client_stream') : m.responseStream ? 'server_stream' : 'unary';
        services[obj.name]![m.name] = { path: `/capsule.${obj.name}/${m.name}`, package: 'capsule', kind, request: m.requestType, response: m.responseType };
      }
    }
  }
  return { messages, enums, services };
}

/** Every difference between an SDK's protocol and capsule.proto, one readable line each. */
export function protocolDifferences(sdk: SdkProtocol): string[] {
  const ours = protoAsSdkShape();
  const out: string[] = [];
  const keyOf = (f: { name: string; number: number; type: string; label: string; oneof?: string }): string =>
    `${f.label ? f.label + ' ' : ''}${f.type} ${f.name} = ${f.number}${f.oneof ? ` (oneof ${f.oneof})` : ''}`;
  for (const [name, m] of Object.entries(sdk.messages)) {
    const mine = ours.messages[name];
    if (!mine) {
      out.push(`message ${name} is not in capsule.proto`);
      continue;
    }
    const byName = new Map(mine.fields.map((f) => [f.name, f]));
    for (const f of m.fields) {
      const o = byName.get(f.name);
      if (!o) out.push(`${name}.${f.name} (${keyOf(f)}) is not in capsule.proto`);
      else if (keyOf(o) !== keyOf(f)) out.push(`${name}.${f.name}: the SDK has "${keyOf(f)}", capsule.proto "${keyOf(o)}"`);
      byName.delete(f.name);
    }
    for (const f of byName.values()) out.push(`${name}.${f.name} (${keyOf(f)}) is in capsule.proto but not in the SDK`);
  }
  for (const name of Object.keys(ours.messages)) if (!sdk.messages[name]) out.push(`message ${name} is in capsule.proto but not in the SDK`);
  for (const [name, values] of Object.entries(sdk.enums)) {
    if (JSON.stringify(Object.entries(values).sort()) !== JSON.stringify(Object.entries(ours.enums[name] ?? {}).sort())) {
      out.push(`enum ${name}: the SDK has ${JSON.stringify(values)}, capsule.proto ${JSON.stringify(ours.enums[name] ?? null)}`);
    }
  }
  for (const name of Object.keys(ours.enums)) if (!sdk.enums[name]) out.push(`enum ${name} is in capsule.proto but not in the SDK`);
  for (const [svc, methods] of Object.entries(sdk.services)) {
    for (const [m, r] of Object.entries(methods)) {
      const o = ours.services[svc]?.[m];
      const sig = (x: typeof r): string => `${x.path} ${x.kind} (${x.request}) -> (${x.response})`;
      if (!o) out.push(`rpc ${sig(r)} is not in capsule.proto`);
      else if (sig(o) !== sig(r)) out.push(`rpc ${svc}.${m}: the SDK has "${sig(r)}", capsule.proto "${sig(o)}"`);
    }
  }
  for (const [svc, methods] of Object.entries(ours.services)) {
    for (const m of Object.keys(methods)) if (!sdk.services[svc]?.[m]) out.push(`rpc ${svc}.${m} is in capsule.proto but not in the SDK`);
  }
  return out;
}
