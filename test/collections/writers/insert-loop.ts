// Inserts documents one call at a time until killed, printing each id once the insert returned
// (acknowledged: committed to the WAL). The durability test kills it with SIGKILL mid-stream.
import { CollectionsEngine } from '../../../emulator/collections';

const engine = CollectionsEngine.open(process.argv[2]!);
let n = 0;
for (;;) {
  const id = engine.insertOne('app_dev', 'log', JSON.stringify({ n, text: 'x'.repeat(200), at: Date.now() }));
  n++;
  if (n % 3 === 0) engine.updateOne('app_dev', '_kv', JSON.stringify({ _key: 'last', _session_id: 's1' }), JSON.stringify({ $set: { value: n, _key: 'last', _session_id: 's1' } }), true);
  process.stdout.write(`${id} ${n}\n`);
}
