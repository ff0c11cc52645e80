import { readFileSync } from 'node:fs';

/** Whether a process runs (a zombie waiting for its parent to reap it does not). */
export function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf-8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return true;
  }
}
