// Child processes of the `cohort` CLI for multi-process tests (127.0.0.1 only, OS-chosen ports).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

export interface Running {
  readonly child: ChildProcess;
  stderr: string;
  stdout: string;
  readonly exited: Promise<number | null>;
  /** Resolves with the first match of `pattern` in stderr. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
}

export function cohort(args: readonly string[]): Running {
  const child = spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const running: Running = {
    child,
    stderr: '',
    stdout: '',
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = running.stderr.match(pattern);
          if (match) {
            clearInterval(timer);
            clearTimeout(timeout);
            resolve(match);
          }
        };
        const timer = setInterval(check, 50);
        const timeout = setTimeout(() => {
          clearInterval(timer);
          reject(new Error(`timed out waiting for ${pattern}; stderr:\n${running.stderr}`));
        }, timeoutMs);
        check();
      });
    },
  };
  child.stderr?.on('data', (chunk: Buffer) => (running.stderr += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => (running.stdout += chunk.toString()));
  return running;
}

export function addClient(db: string, name: string): string {
  const result = spawnSync(process.execPath, [...CLI, 'server', 'add-client', name, '--db', db], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`add-client failed: ${result.stderr}`);
  return result.stdout.trim();
}

export function stopAll(processes: readonly Running[]): void {
  for (const running of processes) if (running.child.exitCode === null && running.child.pid !== undefined) running.child.kill('SIGKILL');
}
