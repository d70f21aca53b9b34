import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { DebugLogger } from 'builder-util';
import type { Configuration } from 'app-builder-lib';
import { getFileMatchers } from 'app-builder-lib/out/fileMatcher';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from '../../package.json';

/* The packaging config is checked the way electron-builder itself reads and checks it: its own loader,
   its own JSON-schema validation (scheme.json) and its own file matchers. Packaging proper needs the
   Electron binary and a native rebuild, which this workplace cannot do. */

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CONFIG_FILE = 'electron-builder.yml';

const validate = (config: Configuration) => validateConfiguration(config, new DebugLogger(false));

describe('electron-builder configuration', () => {
  let config: Configuration;

  beforeAll(async () => {
    config = await getConfig(ROOT, CONFIG_FILE, null);
  });

  it('passes electron-builder’s own schema validation', async () => {
    await expect(validate(config)).resolves.toBeUndefined();
  });

  it('names the app and writes to release/', () => {
    expect(config.appId).toBe('org.broadcastlab.app');
    expect(config.productName).toBe('Broadcast Lab');
    expect(config.directories?.output).toBe('release');
    expect(config.npmRebuild).toBe(true);
    expect(config.asar).not.toBe(false);
  });

  it('builds deb and AppImage for Linux, NSIS for Windows, a dmg for macOS, with categories and icons', () => {
    expect(config.linux?.target).toEqual(['deb', 'AppImage']);
    expect(config.linux?.category).toBe('Science');
    expect(config.win?.target).toEqual(['nsis']);
    expect(config.mac?.target).toEqual(['dmg']);
    expect(['public.app-category.education', 'public.app-category.developer-tools']).toContain(config.mac?.category);
    for (const icon of [config.linux?.icon, config.win?.icon, config.mac?.icon]) {
      expect(typeof icon).toBe('string');
      expect(fs.existsSync(path.join(ROOT, icon as string)), String(icon)).toBe(true);
    }
    // A .deb needs a maintainer; package.json has no author e-mail to fall back on.
    expect(config.linux?.maintainer).toMatch(/<.+@.+>/);
  });

  describe('file selection (electron-builder’s matchers over a mock project)', () => {
    let project: string;
    const matcherOptions = () => ({
      macroExpander: (pattern: string) => pattern,
      customBuildOptions: {},
      globalOutDir: path.join(project, 'release'),
      defaultSrc: project,
    });
    const touch = (relative: string) => {
      const file = path.join(project, relative);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, '');
      return file;
    };
    /** Whether a filter accepts a file and every folder above it (the walker stops at a refused folder). */
    const accepts = (filter: (file: string, stat: fs.Stats) => boolean, file: string) => {
      for (let dir = path.dirname(file); dir.startsWith(project + path.sep); dir = path.dirname(dir)) {
        if (!filter(dir, fs.statSync(dir))) return false;
      }
      return filter(file, fs.statSync(file));
    };

    beforeAll(() => {
      project = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-packaging-'));
    });
    afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

    it('ships the built bundles and package.json, not the sources', () => {
      const [files] = getFileMatchers(config, 'files', '/app', matcherOptions()) ?? [];
      if (!files) throw new Error('no files matcher');
      const filter = files.createFilter();
      for (const shipped of [
        pkg.main,
        'out/preload/preload.cjs',
        'out/renderer/index.html',
        'out/renderer/assets/index-abc.js',
        'package.json',
      ]) {
        expect(accepts(filter, touch(shipped)), shipped).toBe(true);
      }
      for (const left of [
        'src-main/main.ts',
        'src-renderer/App.svelte',
        'test/unit/packaging.test.ts',
        'electron-builder.yml',
        'tsconfig.json',
      ]) {
        expect(accepts(filter, touch(left)), left).toBe(false);
      }
    });

    it('unpacks better-sqlite3’s native addon from the asar and nothing else', () => {
      const [unpack] = getFileMatchers(config, 'asarUnpack', '/app', matcherOptions()) ?? [];
      if (!unpack) throw new Error('no asarUnpack matcher');
      const filter = unpack.createFilter();
      const addon = touch('node_modules/better-sqlite3/build/Release/better_sqlite3.node');
      expect(filter(addon, fs.statSync(addon))).toBe(true);
      const js = touch('node_modules/better-sqlite3/lib/index.js');
      expect(filter(js, fs.statSync(js))).toBe(false);
      const main = touch('out/main/main.js');
      expect(filter(main, fs.statSync(main))).toBe(false);
    });
  });

  it('is refused by the same validation when broken', async () => {
    const broken = (patch: Record<string, unknown>) => ({ ...structuredClone(config), ...patch }) as Configuration;
    await expect(validate(broken({ productname: 'typo' }))).rejects.toThrow(/unknown property 'productname'/);
    await expect(
      validate(broken({ linux: { ...config.linux, target: [{ target: 'deb', arch: 'pdp11' }] } })),
    ).rejects.toThrow(/Invalid configuration object[\s\S]*configuration\.linux\.target/);
    await expect(validate(broken({ nsis: { ...config.nsis, oneClick: 'sometimes' } }))).rejects.toThrow(
      /nsis\.oneClick should be a boolean/,
    );
    await expect(validate(broken({ mac: { ...config.mac, category: { education: true } } }))).rejects.toThrow(
      /mac\.category/,
    );
    await expect(validate(broken({ directories: { output: 'release', bogus: true } }))).rejects.toThrow(
      /configuration\.directories/,
    );
  });
});

describe('icons', () => {
  const png = () => fs.readFileSync(path.join(ROOT, 'assets/icons/icon.png'));

  it('icon.png is a well-formed 512×512 RGBA PNG', () => {
    const data = png();
    expect([...data.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const chunks: { type: string; body: Buffer }[] = [];
    for (let offset = 8; offset < data.length;) {
      const length = data.readUInt32BE(offset);
      const type = data.toString('ascii', offset + 4, offset + 8);
      const body = data.subarray(offset + 8, offset + 8 + length);
      expect(data.readUInt32BE(offset + 8 + length), `${type} CRC`).toBe(
        zlib.crc32(data.subarray(offset + 4, offset + 8 + length)),
      );
      chunks.push({ type, body });
      offset += 12 + length;
    }
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const header = chunks[0]!.body;
    expect(header.readUInt32BE(0)).toBe(512);
    expect(header.readUInt32BE(4)).toBe(512);
    expect(header[8]).toBe(8); // bits per channel
    expect(header[9]).toBe(6); // RGBA
    const pixels = zlib.inflateSync(chunks[1]!.body);
    expect(pixels.length).toBe((512 * 4 + 1) * 512);
    // The corner is transparent (rounded square), the centre is opaque.
    const alphaAt = (x: number, y: number) => pixels[y * (512 * 4 + 1) + 1 + x * 4 + 3];
    expect(alphaAt(0, 0)).toBe(0);
    expect(alphaAt(256, 256)).toBe(255);
  });

  it('icon.svg is the same 512×512 drawing', () => {
    const svg = fs.readFileSync(path.join(ROOT, 'assets/icons/icon.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="512" height="512" viewBox="0 0 512 512">/);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).not.toMatch(/<script|href=/i);
  });
});
