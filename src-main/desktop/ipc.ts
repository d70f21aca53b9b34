import { z } from 'zod';
import { ApiError, describeIssues, issuesFromZod } from '../../shared/api/errors';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, type InvokeOutcome } from '../../shared/api/envelope';
import type { ApiEvent } from '../../shared/api/events';
import { Connection } from '../api/connection';
import type { Dispatcher } from '../api/dispatcher';
import type { EventBus } from '../api/event-bus';
import { SAVE_EXPORT_CHANNEL } from './bridge-constants';
import { isAppUrl } from './origin';
import {
  SaveExportMessage,
  chosenPath,
  saveDialogRequest,
  type SaveDialogAnswer,
  type SaveDialogRequest,
} from './save-export';

/** What the preload sends on the invoke channel: one object, nothing else. */
export const InvokeMessage = z.strictObject({
  method: z.string().min(1).max(200),
  payload: z.unknown(),
});

/** The parts of a WebFrameMain the sender check reads. */
export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
  readonly processId: number;
  readonly routingId: number;
}

/** The parts of a webContents the IPC layer uses. */
export interface ApiContents {
  readonly id: number;
  readonly mainFrame: FrameLike;
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
  once(event: 'destroyed', listener: () => void): unknown;
  on(
    event: 'did-start-navigation',
    listener: (details: { isMainFrame: boolean; isSameDocument: boolean }) => void,
  ): unknown;
  on(event: 'render-process-gone', listener: () => void): unknown;
}

export interface InvokeEventLike {
  readonly sender: ApiContents;
  readonly senderFrame: FrameLike | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<InvokeOutcome>): void;
  removeHandler(channel: string): void;
}

export interface ApiIpcOptions {
  ipcMain: IpcMainLike;
  dispatcher: Dispatcher;
  bus: EventBus;
  /** Which page URLs may call the API; our app:// origin unless the shell says otherwise (dev server). */
  isTrustedPage?: (url: string) => boolean;
  log?: (message: string) => void;
  /**
   * The native save dialog (the shell passes Electron's, parented to the main window). When given, the save-export
   * channel is answered: the dialog picks the path, then export.write runs with it.
   */
  showSaveDialog?: (request: SaveDialogRequest) => Promise<SaveDialogAnswer>;
}

export interface ApiIpc {
  /** Lets this window's top-level app:// page use the API. Call for every window the shell creates. */
  trust(contents: ApiContents): void;
  /** Open connections (one per trusted webContents that has called the API); for tests and diagnostics. */
  readonly connectionCount: number;
  dispose(): void;
}

/**
 * The desktop transport: one ipcMain handler in front of the dispatcher. A message is answered only when
 * it comes from the main frame of a window we created, showing our app:// page; its shape is checked
 * before the dispatcher parses the payload against the contract. Each webContents gets one Connection,
 * which owns its event subscriptions and is closed when the page goes away (destroyed, crashed, reloaded).
 */
export function registerApiIpc(options: ApiIpcOptions): ApiIpc {
  const log = options.log ?? (() => {});
  const isTrustedPage = options.isTrustedPage ?? isAppUrl;
  const trusted = new Set<number>();
  const connections = new Map<number, Connection>();

  const dropConnection = (id: number) => {
    connections.get(id)?.close();
    connections.delete(id);
  };

  const connectionFor = (contents: ApiContents): Connection => {
    let connection = connections.get(contents.id);
    if (!connection) {
      connection = new Connection(options.bus, (subscriptionId: string, event: ApiEvent) => {
        if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, subscriptionId, event);
      });
      connections.set(contents.id, connection);
    }
    return connection;
  };

  options.ipcMain.handle(IPC_INVOKE_CHANNEL, async (event, ...args) => {
    const refusal = senderRefusal(event, trusted, isTrustedPage);
    if (refusal) {
      log(`refused an API call: ${refusal}`);
      return failure(new ApiError('unauthorized', 'This page may not use the Broadcast Lab API.'));
    }
    const message = args.length === 1 ? InvokeMessage.safeParse(args[0]) : null;
    if (!message?.success) {
      const detail = message
        ? describeIssues(issuesFromZod(message.error))
        : `expected one message, got ${args.length}`;
      return failure(new ApiError('invalid_request', `Malformed API message: ${detail}`));
    }
    return options.dispatcher.invoke(message.data.method, message.data.payload, connectionFor(event.sender));
  });

  const showSaveDialog = options.showSaveDialog;
  if (showSaveDialog) {
    // Same sender rules as the API; answers null when the user cancels, else export.write's outcome.
    options.ipcMain.handle(SAVE_EXPORT_CHANNEL, async (event, ...args) => {
      const refusal = senderRefusal(event, trusted, isTrustedPage);
      if (refusal) {
        log(`refused a save-export call: ${refusal}`);
        return failure(new ApiError('unauthorized', 'This page may not use the Broadcast Lab API.'));
      }
      const message = args.length === 1 ? SaveExportMessage.safeParse(args[0]) : null;
      if (!message?.success) {
        const detail = message
          ? describeIssues(issuesFromZod(message.error))
          : `expected one message, got ${args.length}`;
        return failure(new ApiError('invalid_request', `Malformed save-export message: ${detail}`));
      }
      const { request, fileName } = message.data;
      const path = chosenPath(await showSaveDialog(saveDialogRequest(fileName, request.format)));
      if (path === null) return { ok: true, result: null };
      return options.dispatcher.invoke('export.write', { ...request, path }, connectionFor(event.sender));
    });
  }

  return {
    trust(contents) {
      const id = contents.id;
      trusted.add(id);
      contents.once('destroyed', () => {
        trusted.delete(id);
        dropConnection(id);
      });
      contents.on('render-process-gone', () => dropConnection(id));
      // A reload or any new document starts without subscriptions; the old page's must not linger.
      contents.on('did-start-navigation', (details) => {
        if (details.isMainFrame && !details.isSameDocument) dropConnection(id);
      });
    },
    get connectionCount() {
      return connections.size;
    },
    dispose() {
      options.ipcMain.removeHandler(IPC_INVOKE_CHANNEL);
      if (showSaveDialog) options.ipcMain.removeHandler(SAVE_EXPORT_CHANNEL);
      for (const id of [...connections.keys()]) dropConnection(id);
      trusted.clear();
    },
  };
}

/** Why a message may not be answered, or null when its sender is our page in the main frame of our window. */
export function senderRefusal(
  event: InvokeEventLike,
  trusted: ReadonlySet<number>,
  isTrustedPage: (url: string) => boolean = isAppUrl,
): string | null {
  const frame = event.senderFrame;
  if (!frame) return 'the sending frame is gone';
  if (!trusted.has(event.sender.id)) return `webContents ${event.sender.id} is not a window of this app`;
  const main = event.sender.mainFrame;
  if (frame.parent !== null || frame.processId !== main.processId || frame.routingId !== main.routingId) {
    return 'the sender is not the main frame';
  }
  if (!isTrustedPage(frame.url)) return `the sender's page ${JSON.stringify(frame.url)} is not the app's`;
  return null;
}

function failure(error: ApiError): InvokeOutcome {
  return { ok: false, error: error.toBody() };
}
