// The platform's gRPC gateway, as the real SDK's runner talks to it (capsule.proto, package
// `capsule`), on 127.0.0.1 only. Every call must carry the per-run token of a runner this
// emulator launched (`authorization: Bearer <token>` metadata): UNAUTHENTICATED otherwise. Each
// service lives in its own file and names every RPC of the proto: implemented, or answered
// UNIMPLEMENTED with the feature named. A service that leaves an RPC out fails the start.
import * as grpc from '@grpc/grpc-js';
import type { GatewayHub } from '../gateway/hub-impl';
import { HttpError } from '../gateway/errors';
import { DataError } from '../collections/errors';
import { runnerFor, goneController } from '../gateway/rpc';
import { traceCall } from '../gateway/turn-trace';
import type { RunnerProcess } from '../runner/process';
import type { AppSupervisor } from '../runner/supervisor';
import { packageDefinition } from './protocol';
import { LIMITS } from '../limits';
import { pickPlaintextPort } from './plaintext-port';
import { runnerService } from './runner-service';
import { sessionService } from './session-service';
import { secretService } from './secret-service';
import { taskService } from './task-service';
import type { TaskQueue } from './task-queue';
import { dataService, type DataEngine } from './data-service';
import { filesystemService } from './filesystem-service';
import { capsuleService } from './capsule-service';

/** Who calls: the runner that owns the call's token, and a signal aborted when the call ends. */
export interface PlatformCaller {
  runner: RunnerProcess;
  sup: AppSupervisor;
  gone: AbortSignal;
}

type Message = Record<string, unknown>;
export type UnaryImpl = (req: Message, caller: PlatformCaller) => Promise<Message> | Message;
export type ServerStreamImpl = (req: Message, caller: PlatformCaller, call: grpc.ServerWritableStream<Message, Message>) => void;

/** One service: every RPC of capsule.proto's service, in exactly one of the three maps. */
export interface ServiceImpl {
  unary: Record<string, UnaryImpl>;
  serverStream?: Record<string, ServerStreamImpl>;
  /** RPC → the feature it would provide ("background tasks (@app.task)"). */
  unimplemented: Record<string, string>;
}

/** An error with the gRPC status the caller gets. */
export class GrpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

export function notAvailable(feature: string): GrpcError {
  return new GrpcError(grpc.status.UNIMPLEMENTED, `${feature} is not available in Capsule Local yet`);
}

const HTTP_TO_GRPC: Record<number, grpc.status> = {
  400: grpc.status.INVALID_ARGUMENT,
  401: grpc.status.UNAUTHENTICATED,
  403: grpc.status.PERMISSION_DENIED,
  404: grpc.status.NOT_FOUND,
  409: grpc.status.ABORTED,
  413: grpc.status.RESOURCE_EXHAUSTED,
  503: grpc.status.UNAVAILABLE,
};

function toServiceError(e: unknown): Partial<grpc.ServiceError> {
  if (e instanceof GrpcError) return { code: e.code, details: e.message };
  if (e instanceof HttpError) return { code: HTTP_TO_GRPC[e.status] ?? grpc.status.INTERNAL, details: e.message };
  if (e instanceof DataError) return { code: e.code, details: e.message };
  return { code: grpc.status.INTERNAL, details: `internal error: ${(e as Error)?.message ?? String(e)}` };
}

/** The largest message either way (the SDK's channel allows 16 MiB). */
const MAX_MESSAGE = LIMITS.grpcMessageBytes;

function tokenOf(metadata: grpc.Metadata): string | undefined {
  const v = metadata.get('authorization')[0];
  const m = typeof v === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(v) : null;
  return m?.[1];
}

export class PlatformServer {
  private constructor(
    private readonly server: grpc.Server,
    /** host:port, what CAPSULE_GATEWAY_HOST says to the runner. */
    readonly address: string,
  ) {}

  /** `port`: the one a prelaunched runner was told (cli/early-serve.ts); else any free one. */
  static async start(hub: GatewayHub, data?: DataEngine, tasks?: TaskQueue, port?: number): Promise<PlatformServer> {
    const def = packageDefinition();
    const server = new grpc.Server({
      'grpc.max_receive_message_length': MAX_MESSAGE,
      'grpc.max_send_message_length': MAX_MESSAGE,
      // The SDK's channel pings every 20 s, also without calls in flight.
      'grpc.keepalive_permit_without_calls': 1,
    });
    const services: Record<string, ServiceImpl> = {
      RunnerService: runnerService(hub),
      SessionService: sessionService(hub),
      SecretService: secretService(hub),
      TaskService: taskService(tasks),
      DataService: dataService(data, (app) => hub.dataChanges.note(app, { collection: true })),
      FilesystemService: filesystemService(),
      CapsuleService: capsuleService(),
    };
    for (const [name, impl] of Object.entries(services)) {
      const service = def[`capsule.${name}`] as grpc.ServiceDefinition | undefined;
      if (!service) throw new Error(`capsule.proto has no service ${name}`);
      server.addService(service, handlers(hub, name, service, impl));
    }
    if (port !== undefined) {
      const bound = await new Promise<number | undefined>((resolve) => server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => resolve(err ? undefined : p)));
      if (bound === port) return new PlatformServer(server, `127.0.0.1:${port}`);
    }
    return new PlatformServer(server, `127.0.0.1:${await bindPlaintextPort(server)}`);
  }

  /** Ends every call (held waits, Recv streams) and stops listening. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.tryShutdown(() => resolve());
      // Recv streams never end on their own: cut them rather than wait.
      setImmediate(() => this.server.forceShutdown());
    });
  }
}

/**
 * Binds a free loopback port the SDK will speak plaintext to: its channel switches to TLS for any
 * address ending in "443" (43443, 8443, …), so such a port is given back and another one taken.
 */
function bindPlaintextPort(server: grpc.Server): Promise<number> {
  return pickPlaintextPort(
    () => new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)))),
    (port) => server.unbind(`127.0.0.1:${port}`),
  );
}


function handlers(hub: GatewayHub, serviceName: string, service: grpc.ServiceDefinition, impl: ServiceImpl): grpc.UntypedServiceImplementation {
  const out: grpc.UntypedServiceImplementation = {};
  for (const [method, def] of Object.entries(service)) {
    const unary = impl.unary[method];
    const stream = impl.serverStream?.[method];
    const missing = impl.unimplemented[method];
    const defined = [unary, stream, missing].filter((x) => x !== undefined).length;
    if (defined !== 1) throw new Error(`${serviceName}.${method} must be implemented or named unimplemented exactly once (found ${defined})`);
    if (def.requestStream) {
      // Only the CLI's remote serve streams from the client; none is served here.
      if (missing === undefined) throw new Error(`${serviceName}.${method}: client streams are not served`);
      out[method] = ((call: grpc.ServerDuplexStream<Message, Message>) => {
        let err: Partial<grpc.ServiceError>;
        try {
          authorize(call.metadata);
          err = toServiceError(notAvailable(missing));
        } catch (e) {
          err = toServiceError(e);
        }
        call.emit('error', err);
      }) as grpc.handleBidiStreamingCall<Message, Message>;
      continue;
    }
    const authorize = (metadata: grpc.Metadata): { runner: RunnerProcess; sup: AppSupervisor } => {
      const caller = runnerFor(hub, tokenOf(metadata));
      if (!caller) throw new GrpcError(grpc.status.UNAUTHENTICATED, 'wrong or missing runner token (authorization: Bearer <CAPSULE_RUNNER_TOKEN>)');
      return caller;
    };
    if (def.responseStream) {
      out[method] = ((call: grpc.ServerWritableStream<Message, Message>) => {
        let caller;
        try {
          caller = authorize(call.metadata);
          if (missing !== undefined) throw notAvailable(missing);
        } catch (e) {
          call.emit('error', toServiceError(e));
          return;
        }
        const gone = goneController();
        call.on('cancelled', () => gone.abort());
        call.on('close', () => gone.abort());
        try {
          stream!(call.request, { ...caller, gone: gone.signal }, call);
        } catch (e) {
          call.emit('error', toServiceError(e));
        }
      }) as grpc.handleServerStreamingCall<Message, Message>;
    } else {
      out[method] = ((call: grpc.ServerUnaryCall<Message, Message>, callback: grpc.sendUnaryData<Message>) => {
        const gone = goneController();
        call.on('cancelled', () => gone.abort());
        void (async () => {
          try {
            const caller = authorize(call.metadata);
            if (missing !== undefined) throw notAvailable(missing);
            const traced = traceCall(hub, method, call.request);
            const answer = await unary!(call.request, { ...caller, gone: gone.signal });
            traced?.();
            callback(null, answer);
          } catch (e) {
            callback(toServiceError(e));
          }
        })();
      }) as grpc.handleUnaryCall<Message, Message>;
    }
  }
  return out;
}
