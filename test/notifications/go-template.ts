/**
 * Renders notification templates the way argoproj/notifications-engine does (pkg/templates/service.go): Go's
 * text/template with sprig's TxtFuncMap minus `env` and `expandenv`. Uses Debian's Go and sprig
 * (`apt-get install golang-go golang-github-masterminds-sprig-dev`), built once per process in GOPATH mode.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const GOCODE = '/usr/share/gocode/src';
const MAIN = `package main

import (
	"encoding/json"
	"os"
	"text/template"

	"github.com/Masterminds/sprig/v3"
)

func main() {
	body, _ := os.ReadFile(os.Args[1])
	var vars map[string]any
	if err := json.NewDecoder(os.Stdin).Decode(&vars); err != nil {
		panic(err)
	}
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	t, err := template.New("body").Funcs(f).Parse(string(body))
	if err != nil {
		os.Stderr.WriteString("parse: " + err.Error())
		os.Exit(2)
	}
	if err := t.Execute(os.Stdout, vars); err != nil {
		os.Stderr.WriteString("execute: " + err.Error())
		os.Exit(3)
	}
}
`;

let binary: string | undefined;

function build(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'go-template-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  // Debian installs sprig v3 and semver v3 without the /v3 of their import paths: link them under it.
  for (const mod of ['sprig', 'semver']) {
    const at = path.join(dir, 'gopath/src/github.com/Masterminds', mod);
    if (!fs.existsSync(path.join(GOCODE, 'github.com/Masterminds', mod))) {
      throw new Error(`${GOCODE}/github.com/Masterminds/${mod} missing: apt-get install golang-go golang-github-masterminds-sprig-dev`);
    }
    fs.mkdirSync(at, { recursive: true });
    fs.symlinkSync(path.join(GOCODE, 'github.com/Masterminds', mod), path.join(at, 'v3'));
  }
  const src = path.join(dir, 'gopath/src/render');
  fs.mkdirSync(src, { recursive: true });
  fs.writeFileSync(path.join(src, 'main.go'), MAIN);
  const out = path.join(dir, 'render');
  const run = spawnSync(process.env.GO ?? 'go', ['build', '-o', out, '.'], {
    cwd: src,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, GO111MODULE: 'off', GOPATH: `${path.join(dir, 'gopath')}:/usr/share/gocode`, GOCACHE: path.join(dir, 'cache'), GOFLAGS: '' },
  });
  if (run.status !== 0) throw new Error(`go build failed (apt-get install golang-go golang-github-masterminds-sprig-dev): ${run.error ?? ''}${run.stderr}${run.stdout}`);
  return out;
}

/** Executes `template` on `vars` (JSON-like, as the controller passes objects); throws Go's parse or execute error. */
export function renderGoTemplate(template: string, vars: object): string {
  binary ??= build();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'go-template-body-'));
  try {
    fs.writeFileSync(path.join(dir, 'body'), template);
    const run = spawnSync(binary, [path.join(dir, 'body')], { input: JSON.stringify(vars), encoding: 'utf8', timeout: 10_000 });
    if (run.status !== 0) throw new Error(`template failed: ${run.error ?? ''}${run.stderr}`);
    return run.stdout;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
