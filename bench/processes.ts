/** The benchmarks' view of other processes' CPU, from /proc (Linux). */
import fs from 'node:fs';

/** utime + stime of a process in clock ticks (100 per second on Linux), or 0 if it has gone. */
export function cpuTicks(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is the state (field 3)
    return Number(fields[11]) + Number(fields[12]); // utime (14), stime (15)
  } catch {
    return 0;
  }
}

export function cmdlineOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

export function pidsWhere(match: (cmdline: string[], comm: string) => boolean): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      const comm = fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim();
      if (match(cmdline, comm)) out.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/** The dev server `start()` spawned: `temporal server start-dev … --port <port>`. */
export const devServerPids = (address: string) => {
  const port = address.split(':').pop();
  return pidsWhere((argv) => argv.includes('start-dev') && argv.some((a, i) => a === '--port' && argv[i + 1] === port));
};
/**
 * The PostgreSQL server's processes for one database: its client backends (`postgres: … user <db> host(port) …`)
 * and the server's own (postmaster, checkpointer, WAL writer…, shared with every other database on it);
 * other databases' backends (other engineers' tests on a shared server) are left out.
 */
export const postgresPids = (database: string) =>
  pidsWhere((argv, comm) => {
    if (comm !== 'postgres' && comm !== 'postmaster') return false;
    const title = argv.join(' ');
    const clientBackend = /\(\d+\)|\[local\]/.test(title);
    return !clientBackend || title.includes(` ${database} `);
  });

/** Sums CPU ticks over a set of processes found afresh each time (PostgreSQL forks a backend per connection). */
export const ticksOf = (pids: () => number[]) => pids().reduce((sum, pid) => sum + cpuTicks(pid), 0);

/** CPU ticks of each thread of a process, summed by thread name (`comm`: tokio workers, core's workflow thread…). */
export function threadTicks(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Node's own threads (worker threads, V8's helpers) are all called "node": told apart by thread ID.
      const key = tid === String(pid) ? 'main thread' : name === 'node' ? `node thread ${tid}` : name;
      out.set(key, (out.get(key) ?? 0) + Number(fields[11]) + Number(fields[12]));
    } catch {
      // the thread ended
    }
  }
  return out;
}
