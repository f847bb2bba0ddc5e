// The gRPC gateway's port: the SDK dials an address whose port ends in "443" with TLS, and ours is
// plaintext on loopback, so such ports are never used. Small on purpose: the CLI's head start
// (cli/early-serve.ts) picks the port before the emulator, or grpc, is loaded.

/** Binds ports with `bind` until one the SDK dials without TLS; the others are released after. */
export async function pickPlaintextPort(bind: () => Promise<number>, release: (port: number) => void): Promise<number> {
  const refused: number[] = [];
  try {
    for (;;) {
      const port = await bind();
      if (!sdkDialsTls(port)) return port;
      refused.push(port);
    }
  } finally {
    // Held until a good one is bound, so that the same port is not handed out again.
    for (const port of refused) release(port);
  }
}

/** The SDK's own rule (cpsl.channel.Channel): an address ending in "443" is dialled with TLS. */
export function sdkDialsTls(port: number): boolean {
  return String(port).endsWith('443');
}
