// Document ids in the platform's form: 24 hexadecimal digits (a MongoDB ObjectId: 4 bytes of
// seconds since the epoch, 5 random bytes per process, a 3-byte counter), so ids sort by creation
// time and the SDK's id handling (`row.id`, `_normalize_id`) sees what it sees on the platform.
import { randomBytes } from 'node:crypto';

const processBytes = randomBytes(5).toString('hex');
let counter = randomBytes(3).readUIntBE(0, 3);

export function newObjectId(now: number = Date.now()): string {
  counter = (counter + 1) % 0x1000000;
  const secs = Math.floor(now / 1000) >>> 0;
  return secs.toString(16).padStart(8, '0') + processBytes + counter.toString(16).padStart(6, '0');
}
