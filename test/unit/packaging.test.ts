import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { DebugLogger } from 'builder-util';
import { Arch, Platform, PlatformPackager } from 'app-builder-lib';
import type { Configuration, PlatformSpecificBuildOptions } from 'app-builder-lib';
import type { AppInfo } from 'app-builder-lib/out/appInfo';
import { excludedExts, FileMatcher, getFileMatchers } from 'app-builder-lib/out/fileMatcher';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { expandMacro } from 'app-builder-lib/out/util/macroExpander';
import { FuseV1Options, FuseVersion, getCurrentFuseWire } from '@electron/fuses';
import { FuseState, SENTINEL } from '@electron/fuses/dist/constants';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from '../../package.json';

/* The packaging config is checked the way electron-builder itself reads and checks it: its own loader,
   its own JSON-schema validation (scheme.json) and its own file matchers. Packaging proper needs the
   Electron binary and a native rebuild, which this workplace cannot do. */

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CONFIG_FILE = 'electron-builder.yml';

const validate = (config: Configuration) => validateConfiguration(config, new DebugLogger(false));

/* How electron-builder picks a dependency's files is internal (no typings): getNodeModuleFileMatcher keeps only
   the `!` patterns of `files` and of the platform's section, after a match-all pattern, and NodeModuleCopyHelper
   walks the module with them (plus its default exclusions), as computeNodeModuleFileSets does for every
   production dependency. */
const requireBuilder = createRequire(import.meta.url);
interface BuilderPackagerStub {
  config: Configuration;
  debugLogger: DebugLogger;
  appInfo: { type: string };
  getWorkspaceRoot(): Promise<string>;
}
const { getNodeModuleFileMatcher } = requireBuilder('app-builder-lib/out/fileMatcher') as {
  getNodeModuleFileMatcher(
    appDir: string,
    destination: string,
    macroExpander: (pattern: string) => string,
    platformSpecificBuildOptions: PlatformSpecificBuildOptions,
    packager: BuilderPackagerStub,
  ): FileMatcher;
};
const { NodeModuleCopyHelper } = requireBuilder('app-builder-lib/out/util/NodeModuleCopyHelper') as {
  NodeModuleCopyHelper: new (
    matcher: FileMatcher,
    packager: BuilderPackagerStub,
  ) => {
    readonly metadata: Map<string, fs.Stats>;
    collectNodeModules(
      module: { name: string; dir: string },
      excludedExtensions: string[],
      destination: string,
    ): Promise<string[]>;
  };
};

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

  describe('Electron fuses', () => {
    /* The hardening asked for: each fuse and the state the packaged binary must have. */
    const WANTED: [keyof typeof FuseV1Options, FuseState][] = [
      ['RunAsNode', FuseState.DISABLE],
      ['EnableCookieEncryption', FuseState.ENABLE],
      ['EnableNodeOptionsEnvironmentVariable', FuseState.DISABLE],
      ['EnableNodeCliInspectArguments', FuseState.DISABLE],
      ['EnableEmbeddedAsarIntegrityValidation', FuseState.ENABLE],
      ['OnlyLoadAppFromAsar', FuseState.ENABLE],
      ['GrantFileProtocolExtraPrivileges', FuseState.DISABLE],
    ];
    /* Electron's own defaults for the same fuses, so that every one of them has to be flipped. */
    const ELECTRON_DEFAULTS: Record<number, FuseState> = {
      [FuseV1Options.RunAsNode]: FuseState.ENABLE,
      [FuseV1Options.EnableCookieEncryption]: FuseState.DISABLE,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: FuseState.ENABLE,
      [FuseV1Options.EnableNodeCliInspectArguments]: FuseState.ENABLE,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: FuseState.DISABLE,
      [FuseV1Options.OnlyLoadAppFromAsar]: FuseState.DISABLE,
      [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: FuseState.DISABLE,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: FuseState.ENABLE,
    };
    /* A later Electron's wire is longer than this @electron/fuses knows; a fuse it does not know stays as it was. */
    const WIRE_LENGTH = 9;
    const UNKNOWN_FUSE_STATE = FuseState.ENABLE;

    /** What electron-builder's packager needs to flip fuses: its config (through `info`) and the product name. */
    interface FusePackager {
      info: { config: Configuration };
      appInfo: { productFilename: string };
      doAddElectronFuses(context: { appOutDir: string; electronPlatformName: string }): Promise<void>;
    }

    let appOutDir: string;
    beforeAll(() => {
      appOutDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-fuses-'));
    });
    afterAll(() => fs.rmSync(appOutDir, { recursive: true, force: true }));

    it('are configured under electronFuses', () => {
      expect(config.electronFuses).toEqual({
        runAsNode: false,
        enableCookieEncryption: true,
        enableNodeOptionsEnvironmentVariable: false,
        enableNodeCliInspectArguments: false,
        enableEmbeddedAsarIntegrityValidation: true,
        onlyLoadAppFromAsar: true,
        grantFileProtocolExtraPrivileges: false,
      });
    });

    /* Packaging cannot run here (no Electron binary), so electron-builder's own fuse step (doAddElectronFuses:
       config → @electron/fuses wire → flipFuses) runs on a file holding a V1 fuse wire at Electron's defaults. */
    it('are flipped in the binary by electron-builder’s own fuse step', async () => {
      const wire = Buffer.from(
        Array.from({ length: WIRE_LENGTH }, (_, i) => ELECTRON_DEFAULTS[i] ?? UNKNOWN_FUSE_STATE),
      );
      const binary = Buffer.concat([
        Buffer.from('\x7fELF padding before the wire'),
        Buffer.from(SENTINEL),
        Buffer.from([Number(FuseVersion.V1), WIRE_LENGTH]),
        wire,
        Buffer.from('padding after'),
      ]);
      const executable = path.join(appOutDir, 'Broadcast Lab.exe');
      fs.writeFileSync(executable, binary);

      const packager = Object.assign(Object.create(PlatformPackager.prototype) as FusePackager, {
        info: { config },
        appInfo: { productFilename: 'Broadcast Lab' },
      });
      await packager.doAddElectronFuses({ appOutDir, electronPlatformName: 'win32' });

      const flipped = await getCurrentFuseWire(executable);
      expect(flipped.version).toBe(FuseVersion.V1);
      for (const [fuse, state] of WANTED) {
        expect(flipped[FuseV1Options[fuse]], fuse).toBe(state);
        expect(ELECTRON_DEFAULTS[FuseV1Options[fuse]], `${fuse} differs from Electron's default`).not.toBe(state);
      }
      // Fuses the config leaves alone keep Electron's state, and nothing outside the wire changed.
      expect(flipped[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]).toBe(
        ELECTRON_DEFAULTS[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot],
      );
      expect(flipped[(WIRE_LENGTH - 1) as FuseV1Options]).toBe(UNKNOWN_FUSE_STATE);
      const after = fs.readFileSync(executable);
      expect(after.length).toBe(binary.length);
      const wireStart = binary.indexOf(SENTINEL) + SENTINEL.length + 2;
      expect(after.subarray(0, wireStart)).toEqual(binary.subarray(0, wireStart));
      expect(after.subarray(wireStart + WIRE_LENGTH)).toEqual(binary.subarray(wireStart + WIRE_LENGTH));
    });
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

  describe('ONNX Runtime binaries (electron-builder’s own matchers over node_modules/onnxruntime-node)', () => {
    const MODULE = 'onnxruntime-node';
    const BIN = 'bin/napi-v6';
    const TARGETS = [
      { platform: Platform.LINUX, arch: Arch.x64 },
      { platform: Platform.LINUX, arch: Arch.arm64 },
      { platform: Platform.MAC, arch: Arch.arm64 },
      { platform: Platform.WINDOWS, arch: Arch.x64 },
    ];
    type Target = (typeof TARGETS)[number];
    const label = ({ platform, arch }: Target) => `${platform.buildConfigurationKey} ${Arch[arch]}`;
    /** The folder a target loads from: dist/binding.js requires bin/napi-v6/${process.platform}/${process.arch}. */
    const targetFolder = ({ platform, arch }: Target) => `${BIN}/${platform.nodeName}/${Arch[arch]}/`;

    /** PlatformPackager's macro expander for this target (${arch}, ${os}, ${/*}); the patterns use no app macros. */
    const macroExpander =
      ({ platform, arch }: Target) =>
      (pattern: string) =>
        expandMacro(pattern, Arch[arch], {} as unknown as AppInfo, {
          os: platform.buildConfigurationKey,
          '/*': '{,/**/*}',
        });
    const platformOptions = (target: Target) =>
      (config[target.platform.buildConfigurationKey as 'linux' | 'mac' | 'win'] ?? {}) as PlatformSpecificBuildOptions;

    /** The files of `moduleDir` that packaging for `target` copies, relative to the module, with their stats. */
    const collect = async (target: Target, moduleDir: string, name = MODULE) => {
      const appDir = path.dirname(path.dirname(moduleDir));
      const stub: BuilderPackagerStub = {
        config,
        debugLogger: new DebugLogger(false),
        appInfo: { type: 'module' },
        getWorkspaceRoot: () => Promise.resolve(appDir),
      };
      const expand = macroExpander(target);
      const moduleMatcher = getNodeModuleFileMatcher(appDir, '/app', expand, platformOptions(target), stub);
      const destination = path.join('/app', 'node_modules', name);
      const copier = new NodeModuleCopyHelper(
        new FileMatcher(moduleDir, destination, expand, moduleMatcher.patterns),
        stub,
      );
      // getNodeModuleExcludedExts: electron-builder's excluded extensions, and .dll/.exe outside Windows.
      const exts = ['.o', '.obj', ...excludedExts.split(',').map((ext) => `.${ext}`), '.pdb'];
      if (target.platform !== Platform.WINDOWS) exts.push('.dll', '.exe');
      const files = await copier.collectNodeModules({ name, dir: moduleDir }, exts, path.relative('/app', destination));
      const relative = (file: string) => path.relative(moduleDir, file).split(path.sep).join('/');
      return {
        shipped: files.map(relative).sort(),
        stat: (file: string) => copier.metadata.get(path.join(moduleDir, file))!,
      };
    };
    const asarUnpackFilter = (target: Target) => {
      const [unpack] =
        getFileMatchers(config, 'asarUnpack', '/app', {
          macroExpander: macroExpander(target),
          customBuildOptions: platformOptions(target),
          globalOutDir: path.join(ROOT, 'release'),
          defaultSrc: ROOT,
        }) ?? [];
      if (!unpack) throw new Error('no asarUnpack matcher');
      return unpack.createFilter();
    };
    const listFiles = (dir: string): string[] =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((entry) =>
          entry.isDirectory() ? listFiles(path.join(dir, entry.name)).map((f) => `${entry.name}/${f}`) : [entry.name],
        );
    const isNative = (file: string) => /\.(node|dll|dylib)$|\.so(\.\d+)*$/.test(file);

    const realModule = path.join(ROOT, 'node_modules', MODULE);
    const realBinaries = listFiles(path.join(realModule, BIN)).map((file) => `${BIN}/${file}`);

    it('the installed package carries every platform’s binaries (what the patterns have to cut)', () => {
      for (const target of TARGETS) {
        expect(
          realBinaries.filter((file) => file.startsWith(targetFolder(target))),
          label(target),
        ).toContain(`${targetFolder(target)}onnxruntime_binding.node`);
      }
      expect(new Set(realBinaries.map((file) => file.split('/').slice(2, 4).join('/'))).size).toBeGreaterThan(
        TARGETS.length,
      );
    });

    for (const target of TARGETS) {
      it(`${label(target)}: ships exactly ${targetFolder(target)}, the dist/ JS and package.json, unpacked from the asar`, async () => {
        const { shipped, stat } = await collect(target, realModule);
        const binaries = shipped.filter((file) => file.startsWith(`${BIN}/`));
        expect(binaries).toEqual(realBinaries.filter((file) => file.startsWith(targetFolder(target))).sort());
        expect(binaries.length).toBeGreaterThanOrEqual(2);
        expect(shipped).toContain('package.json');
        expect(shipped).toContain('dist/index.js');
        expect(shipped).toContain('dist/binding.js');
        expect(shipped.filter((file) => /^(lib|script)\//.test(file))).toEqual([]);

        const shippedBytes = binaries.reduce((sum, file) => sum + stat(file).size, 0);
        const allBytes = realBinaries.reduce((sum, file) => sum + fs.statSync(path.join(realModule, file)).size, 0);
        expect(shippedBytes).toBeLessThan(allBytes / 2);

        const unpack = asarUnpackFilter(target);
        const unpacked = (file: string) => unpack(path.join(realModule, file), stat(file));
        expect(binaries.filter(isNative)).toEqual(binaries);
        for (const file of binaries) expect(unpacked(file), file).toBe(true);
        for (const file of ['package.json', 'dist/index.js', 'dist/binding.js'])
          expect(unpacked(file), file).toBe(false);
      });
    }

    it('keeps onnxruntime-common, which onnxruntime-node requires', async () => {
      const { shipped } = await collect(
        TARGETS[0]!,
        path.join(ROOT, 'node_modules', 'onnxruntime-common'),
        'onnxruntime-common',
      );
      expect(shipped).toContain('package.json');
      expect(shipped.some((file) => file.startsWith('dist/cjs/') && file.endsWith('.js'))).toBe(true);
    });

    describe('with the CUDA provider libraries installed into linux/x64', () => {
      let project: string;
      let mockModule: string;
      const CUDA = [
        `${BIN}/linux/x64/libonnxruntime_providers_cuda.so`,
        `${BIN}/linux/x64/libonnxruntime_providers_shared.so`,
      ];

      beforeAll(() => {
        project = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-packaging-ort-'));
        mockModule = path.join(project, 'node_modules', MODULE);
        for (const file of [...realBinaries, ...CUDA, 'package.json', 'dist/index.js']) {
          fs.mkdirSync(path.dirname(path.join(mockModule, file)), { recursive: true });
          fs.writeFileSync(path.join(mockModule, file), '');
        }
      });
      afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

      it('ships and unpacks them for linux x64', async () => {
        const target = TARGETS[0]!;
        const { shipped, stat } = await collect(target, mockModule);
        const unpack = asarUnpackFilter(target);
        for (const file of CUDA) {
          expect(shipped, file).toContain(file);
          expect(unpack(path.join(mockModule, file), stat(file)), file).toBe(true);
        }
        expect(
          shipped.filter((file) => file.startsWith(`${BIN}/`)).every((file) => file.startsWith(targetFolder(target))),
        ).toBe(true);
      });

      it('leaves them out of every other target', async () => {
        for (const target of TARGETS.slice(1)) {
          const { shipped } = await collect(target, mockModule);
          expect(
            shipped.filter((file) => file.startsWith(`${BIN}/linux/x64/`)),
            label(target),
          ).toEqual([]);
        }
      });
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
