/**
 * Processes of the benchmark: starting a Node script pinned to some cores (taskset) with a raised
 * file-descriptor limit and an IPC channel, and reading a process's CPU time and memory from /proc
 * (Linux; zeros elsewhere), also of a process with its children (PostgreSQL).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Enough descriptors for thousands of sockets per process (each connection is one). */
const FILE_LIMIT = 65_536;

function commandExists(command: string): boolean {
  try {
    execFileSync('/bin/sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface CorePlan {
  /** taskset core list for the server under test, or null when not pinning. */
  server: string | null;
  /** taskset core list for the load generator (and this runner). */
  generator: string | null;
  note: string;
}

/** The server gets core 0; everything else (generator, runner, browser) gets the other cores. */
export function planCores(): CorePlan {
  const cores = availableParallelism();
  if (process.platform !== 'linux' || cores < 2 || !commandExists('taskset')) {
    return { server: null, generator: null, note: `not pinned (${cores} cores, or no taskset)` };
  }
  const generator = cores === 2 ? '1' : `1-${cores - 1}`;
  return { server: '0', generator, note: `server on core 0, generator on core(s) ${generator}` };
}

/** Moves this process (the runner) to `cores`, so that it does not compete with the server. */
export function pinSelf(cores: string | null): void {
  if (cores === null) return;
  try {
    execFileSync('taskset', ['-a', '-cp', cores, String(process.pid)], { stdio: 'ignore' });
  } catch {
    // Pinning is best effort: the figures stay comparable between servers either way.
  }
}

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * Starts `node [nodeArgs] script [args]` through /bin/sh, which raises the descriptor limit
 * (soft up to the hard limit) and execs taskset → node, so the child's pid is node's own.
 */
export function spawnNode(
  script: string,
  args: string[],
  options: { cores: string | null; nodeArgs?: string[]; env?: NodeJS.ProcessEnv },
): ChildProcess {
  const node = [process.execPath, ...(options.nodeArgs ?? []), script, ...args].map(quote);
  const pin = options.cores === null ? '' : `taskset -c ${options.cores} `;
  const command =
    `ulimit -n ${FILE_LIMIT} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; ` +
    `exec ${pin}${node.join(' ')}`;
  return spawn('/bin/sh', ['-c', command], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...options.env },
  });
}

let ticksPerSecond: number | null = null;
function clockTicks(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU seconds the process has used so far (from /proc/<pid>/stat). */
export function readCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is the first, utime the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return 0;
  }
}

export interface MemoryFigures {
  /** Resident set size now, MB. */
  rssMb: number;
  /** Peak resident set size since the process started (VmHWM), MB. */
  peakRssMb: number;
  /** JS heap in use plus memory outside the heap held by JS objects (buffers), MB. */
  heapUsedMb: number;
  externalMb: number;
}

/** Memory of `pid` from /proc/<pid>/status, plus the V8 figures when the process reads itself. */
export function readMemory(pid: number, usage?: NodeJS.MemoryUsage): MemoryFigures {
  let status = '';
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    // not Linux
  }
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  const mb = (bytes: number) => bytes / 2 ** 20;
  return {
    rssMb: kb('VmRSS') / 1024,
    peakRssMb: kb('VmHWM') / 1024,
    heapUsedMb: usage ? mb(usage.heapUsed) : 0,
    externalMb: usage ? mb(usage.external) : 0,
  };
}

/** The commit of the code measured, so that a figure can be traced to it. */
export function measuredCommit(root: string): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** The pids whose parent is `pid` (from /proc/<n>/stat; empty elsewhere). */
function childrenOf(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const entry of entries) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === pid) children.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return children;
}

/**
 * CPU seconds of a server made of processes (PostgreSQL: the postmaster forks a backend per
 * connection and a few helpers): the parent's own, what its children that ended used (the
 * kernel adds it to the parent's cutime and cstime once the parent reaps them) and what its live
 * children used so far. Every figure only grows, so a difference measures a window exactly.
 */
export function readTreeCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime: fields 14 to 17 of stat(5).
    const own = fields.slice(11, 15).reduce((sum, field) => sum + Number(field), 0) / clockTicks();
    return childrenOf(pid).reduce((sum, child) => sum + readCpuSeconds(child), own);
  } catch {
    return 0;
  }
}

/** Moves `pid` and its children (every thread of each) to `cores`; best effort, like pinSelf. */
export function pinTree(pid: number, cores: string | null): void {
  if (cores === null) return;
  for (const each of [pid, ...childrenOf(pid)]) {
    try {
      execFileSync('taskset', ['-a', '-cp', cores, String(each)], { stdio: 'ignore' });
    } catch {
      // Ended meanwhile, or no taskset: the figures stay comparable between arms either way.
    }
  }
}
