import { afterEach, describe, expect, it, vi } from 'vitest';
import { listBundledDatasets } from '../../src/data/index.js';
import { runCli } from './run-cli.js';


afterEach(() => {
  vi.restoreAllMocks();
});

describe('cohort datasets', () => {
  it('prints a table with one row per bundled data set and exits 0', async () => {
    const { code, stdout } = await runCli(['datasets']);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^name\s+examples\s+features\s+classes\s+description\s+source$/);
    expect(lines[1]).toMatch(/^breast-cancer\s+569\s+30\s+2\s+Wisconsin/);
    expect(lines[2]).toMatch(/^digits\s+1797\s+64\s+10\s/);
    expect(lines[3]).toMatch(/^iris\s+150\s+4\s+3\s/);
    expect(stdout).toContain('csv:PATH or idx:DIR');
  });

  it('prints the same facts as JSON with --json', async () => {
    const { code, stdout } = await runCli(['datasets', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(listBundledDatasets());
  });

  it('exits 2 on an unknown flag', async () => {
    const { code, stderr } = await runCli(['datasets', '--bogus']);
    expect(code).toBe(2);
    expect(stderr).toContain('--bogus');
  });
});
