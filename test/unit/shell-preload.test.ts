import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { METHOD_NAMES } from '../../shared/api/contract';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../../shared/api/envelope';
import type { Transport } from '../../shared/api/transport';
import { BRIDGE_METHOD_NAMES, EVENT_CHANNEL, INVOKE_CHANNEL } from '../../src-main/desktop/bridge-constants';

/* The preload runs against a fake contextBridge and ipcRenderer; vi.hoisted lets the vi.mock factory
   (hoisted above the imports) share them with the tests. */
const fake = vi.hoisted(() => {
  type Listener = (event: unknown, ...args: unknown[]) => void;
  const listeners = new Map<string, Set<Listener>>();
  const exposed: { key: string; api: unknown }[] = [];
  const invoked: { channel: string; args: unknown[] }[] = [];
  const ipcRenderer = {
    invoke: async (channel: string, ...args: unknown[]) => {
      invoked.push({ channel, args });
      return { ok: true, result: { channel } };
    },
    on(channel: string, listener: Listener) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)?.add(listener);
      return ipcRenderer;
    },
    removeListener(channel: string, listener: Listener) {
      listeners.get(channel)?.delete(listener);
      return ipcRenderer;
    },
    send: () => {
      throw new Error('the bridge must not use ipcRenderer.send');
    },
  };
  /** Plays the main process pushing on a channel; the first argument is the IPC event object. */
  const push = (channel: string, ...args: unknown[]) => {
    for (const listener of listeners.get(channel) ?? []) listener({ sender: ipcRenderer, ports: [] }, ...args);
  };
  return {
    exposed,
    invoked,
    listeners,
    push,
    ipcRenderer,
    contextBridge: {
      exposeInMainWorld(key: string, api: unknown) {
        exposed.push({ key, api });
      },
    },
  };
});

vi.mock('electron', () => ({ contextBridge: fake.contextBridge, ipcRenderer: fake.ipcRenderer }));

describe('preload bridge', () => {
  let bridge: Transport;

  beforeAll(async () => {
    await import('../../src-main/preload');
    expect(fake.exposed).toHaveLength(1);
    bridge = fake.exposed[0]?.api as Transport;
  });

  beforeEach(() => {
    fake.invoked.length = 0;
  });

  it('exposes exactly invoke, onEvent and saveExport on window.broadcastLab', () => {
    expect(fake.exposed.map((e) => e.key)).toEqual(['broadcastLab']);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'onEvent', 'saveExport']);
    expect(typeof bridge.invoke).toBe('function');
    expect(typeof bridge.onEvent).toBe('function');
    expect(Object.values(bridge)).not.toContain(fake.ipcRenderer);
  });

  it('sends contract methods as one { method, payload } message on the invoke channel', async () => {
    for (const method of METHOD_NAMES) {
      await expect(bridge.invoke(method, { some: 'payload' })).resolves.toMatchObject({ ok: true });
    }
    expect(fake.invoked).toEqual(
      METHOD_NAMES.map((method) => ({ channel: IPC_INVOKE_CHANNEL, args: [{ method, payload: { some: 'payload' } }] })),
    );
  });

  it('refuses names outside the contract without sending anything', async () => {
    for (const method of ['fs.readFile', 'constructor', '__proto__', 'toString', 'sessions.list ', '', 42, null]) {
      const outcome = await bridge.invoke(method as string, {});
      expect(outcome, String(method)).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    }
    expect(fake.invoked).toEqual([]);
  });

  it('delivers pushed events as (subscriptionId, event), never the IPC event object', () => {
    const received: unknown[][] = [];
    const stop = bridge.onEvent((...args) => received.push(args));
    const event = { type: 'session.changed', sessionId: 1, change: 'created' };
    fake.push(IPC_EVENT_CHANNEL, 'sub-1', event);
    fake.push('some-other-channel', 'sub-1', event);
    expect(received).toEqual([['sub-1', event]]);

    stop();
    stop(); // idempotent
    fake.push(IPC_EVENT_CHANNEL, 'sub-1', event);
    expect(received).toHaveLength(1);
    expect(fake.listeners.get(IPC_EVENT_CHANNEL)?.size ?? 0).toBe(0);
  });

  it('ignores malformed pushes and rejects a non-function listener', () => {
    const received: unknown[][] = [];
    const stop = bridge.onEvent((...args) => received.push(args));
    fake.push(IPC_EVENT_CHANNEL, 7, { type: 'x' });
    fake.push(IPC_EVENT_CHANNEL, 'sub-1', null);
    expect(received).toEqual([]);
    stop();
    expect(() => bridge.onEvent('nope' as unknown as () => void)).toThrow(TypeError);
  });
});

describe('bridge constants', () => {
  it('match the shared contract at run time as well as in types', () => {
    expect([...BRIDGE_METHOD_NAMES].sort()).toEqual([...METHOD_NAMES].sort());
    expect(INVOKE_CHANNEL).toBe(IPC_INVOKE_CHANNEL);
    expect(EVENT_CHANNEL).toBe(IPC_EVENT_CHANNEL);
  });
});
