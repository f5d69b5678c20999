// Starts the real `meldpunt` binary on a fresh temporary SQLite database, seeded through its own
// command line, and stops it again. Everything stays on 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const START_TIMEOUT_MS = 60_000;
const CLI_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

/** The binary under test: the Rust wrapper passes `env!("CARGO_BIN_EXE_meldpunt")`. */
export function binaryPath() {
  const bin = process.env.MELDPUNT_BIN;
  if (!bin) {
    throw new Error('MELDPUNT_BIN is not set: run these tests through `cargo test --test browser`, '
      + 'or set MELDPUNT_BIN=target/debug/meldpunt');
  }
  if (!fs.existsSync(bin)) throw new Error(`MELDPUNT_BIN=${bin} does not exist`);
  return path.resolve(bin);
}

/** The environment for every run of the binary: the caller's, less any Meldpunt settings, plus ours. */
function serverEnv(dir) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('MELDPUNT__') && k !== 'MELDPUNT_CONFIG' && k !== 'MELDPUNT_LOG_FORMAT') env[k] = v;
  }
  return {
    ...env,
    MELDPUNT__DATABASE__URL: `sqlite://${path.join(dir, 'meldpunt.db')}`,
    MELDPUNT__SERVER__BIND: '127.0.0.1:0',
    MELDPUNT__SERVER__WORKERS: '2',
    MELDPUNT__MAIL__TRANSPORT: 'file',
    MELDPUNT__MAIL__FILE_DIR: path.join(dir, 'outbox'),
    // Each server's own audit checkpoints and key: a checkpoint file shared between runs (the
    // default, data/ under the working directory) does not match a fresh database, and every
    // start logged "audit checkpoint not written … REWRITTEN".
    MELDPUNT__AUDIT__CHECKPOINT_FILE: path.join(dir, 'audit-checkpoints.jsonl'),
    MELDPUNT__SECURITY__KEY_FILE: path.join(dir, 'meldpunt.key'),
    // Every submission in these tests comes from 127.0.0.1: lift the per-address limit so the
    // flows do not run into it (the limit itself is tested in tests/api).
    MELDPUNT__LIMITS__SUBMISSIONS_PER_MINUTE: '1000',
    MELDPUNT__LIMITS__LOGINS_PER_MINUTE: '1000',
    RUST_LOG: process.env.RUST_LOG || 'warn',
  };
}

/** Run one CLI command; fails with its output when it does not exit 0. */
function cli(bin, env, args, input) {
  const r = spawnSync(bin, args, { env, input: input ?? '', encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
  if (r.error) throw new Error(`meldpunt ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`meldpunt ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

/**
 * Create a temp dir, seed two organisations and a handler, start `meldpunt serve`, and wait for
 * "Meldpunt listening on http://127.0.0.1:PORT".
 */
export async function startServer({ orgs, handler, fg, users = [] }) {
  const bin = binaryPath();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meldpunt-browser-'));
  const env = serverEnv(dir);
  for (const o of orgs) {
    const extra = o.fgName ? ['--fg-name', o.fgName, '--fg-email', o.fgEmail] : [];
    cli(bin, env, ['org', 'create', o.slug, '--name', o.name, ...extra]);
  }
  // Without a handler no user exists: `serve` then prints the first-run link (read it from stdout()).
  if (handler) {
    cli(bin, env, ['user', 'create', '--email', handler.email, '--role', 'handler', '--org', handler.org],
      `${handler.password}\n`);
  }
  if (fg) {
    cli(bin, env, ['user', 'create', '--email', fg.email, '--role', 'fg', '--org', fg.org], `${fg.password}\n`);
  }

  // More people: { email, password, role, org } or { email, password, installationAdmin: true }.
  for (const u of users) {
    const who = u.installationAdmin ? ['--installation-admin'] : ['--role', u.role, '--org', u.org];
    const name = u.name ? ['--name', u.name] : [];
    cli(bin, env, ['user', 'create', '--email', u.email, ...name, ...who], `${u.password}\n`);
  }

  const child = spawn(bin, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-20_000); });
  child.stdout.setEncoding('utf8');
  // Should this process die without `stop()` (a crash in a test), take the server along.
  const killOnExit = () => { try { child.kill('SIGKILL'); } catch { /* gone already */ } };
  process.on('exit', killOnExit);

  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killOnExit();
      reject(new Error(`meldpunt serve did not say where it listens within ${START_TIMEOUT_MS} ms\n`
        + `stdout:\n${stdout}\nstderr:\n${stderr}`));
    }, START_TIMEOUT_MS);
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = stdout.match(/Meldpunt listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`meldpunt serve exited early (${code ?? signal})\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    });
  });

  async function stop() {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }

  return { base, stop, logs: () => stderr, stdout: () => stdout, dir };
}
