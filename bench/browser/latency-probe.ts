/**
 * Runs in the page (bundled by page-script.ts and added as an init script): times one user action from its input
 * event to the first frame that shows the response. The runner arms it with what the response looks like, performs
 * the action through Playwright, then asks for the timing.
 *
 * - input: the timeStamp of the first trusted click or keydown after arming (when the browser received the input,
 *   so that time queued behind the page's other work counts);
 * - dom: when a MutationObserver first sees the response in the DOM;
 * - frame: the first requestAnimationFrame callback after that (the frame that will paint it);
 * - painted: a task posted from that callback, which runs once the frame's style, layout and paint are done.
 *
 * This file is part of the Node program's type check, which has no DOM library: it declares the little it uses.
 */
import type { ProbeCondition, ProbeTiming } from './latency-types';

interface ProbeEvent {
  readonly isTrusted: boolean;
  readonly timeStamp: number;
}
interface ProbeElement {
  getAttribute(name: string): string | null;
  readonly textContent: string | null;
}
declare const document: {
  querySelector(selector: string): ProbeElement | null;
  addEventListener(type: string, listener: (event: ProbeEvent) => void, options: { capture: boolean }): void;
};
declare class MutationObserver {
  constructor(callback: () => void);
  observe(target: unknown, options: Record<string, boolean>): void;
}
declare class MessageChannel {
  readonly port1: { onmessage: (() => void) | null };
  readonly port2: { postMessage(message: unknown): void };
}
declare function requestAnimationFrame(callback: () => void): number;

interface Pending {
  read: () => string | null;
  initial: string | null;
  timing: Partial<ProbeTiming>;
  resolve?: (timing: ProbeTiming) => void;
}

let pending: Pending | null = null;

function reader(condition: ProbeCondition): () => string | null {
  return () => {
    const element = document.querySelector(condition.selector);
    if (!element) return null;
    if (condition.attribute) return element.getAttribute(condition.attribute);
    return condition.text ? element.textContent : 'present';
  };
}

function onInput(event: ProbeEvent): void {
  if (pending && event.isTrusted && pending.timing.input === undefined) pending.timing.input = event.timeStamp;
}
document.addEventListener('click', onInput, { capture: true });
document.addEventListener('keydown', onInput, { capture: true });

const afterFrame = new MessageChannel();
afterFrame.port1.onmessage = () => {
  const current = pending;
  if (!current || current.timing.frame === undefined) return;
  current.timing.painted = performance.now();
  finish(current);
};

function finish(current: Pending): void {
  const { input, dom, frame, painted } = current.timing;
  if (input === undefined || dom === undefined || frame === undefined || painted === undefined) return;
  current.resolve?.({ input, dom, frame, painted });
}

function check(): void {
  const current = pending;
  if (!current || current.timing.dom !== undefined || current.read() === current.initial) return;
  current.timing.dom = performance.now();
  requestAnimationFrame(() => {
    current.timing.frame = performance.now();
    afterFrame.port2.postMessage(null);
  });
}

// The document itself: an init script runs before <html> exists.
new MutationObserver(check).observe(document, {
  subtree: true,
  childList: true,
  attributes: true,
  characterData: true,
});

(globalThis as { __latencyProbe?: unknown }).__latencyProbe = {
  arm(condition: ProbeCondition): void {
    const read = reader(condition);
    pending = { read, initial: read(), timing: {} };
  },
  /** For a failure message: what was seen so far. */
  state(): string {
    if (!pending) return 'not armed';
    return JSON.stringify({ initial: pending.initial, now: pending.read(), timing: pending.timing });
  },
  result(): Promise<ProbeTiming> {
    const current = pending;
    if (!current) return Promise.reject(new Error('the latency probe was not armed'));
    return new Promise((resolve) => {
      current.resolve = resolve;
      finish(current);
    });
  },
};
