import { MENU_SUBSCRIPTION_ID, type ApiEvent } from '../../shared/api/events';
import { EVENT_CHANNEL } from './bridge-constants';

/**
 * Menu items whose work happens in the renderer (it knows the open session and selection) reach it as a
 * pushed event on the ordinary event channel, so the preload still exposes only invoke and onEvent. They
 * use a reserved subscription id that no events.subscribe call returns (those are UUIDs).
 */
export { MENU_SUBSCRIPTION_ID };
export type MenuCommandEvent = Extract<ApiEvent, { type: 'menu.command' }>;
export type MenuCommand = MenuCommandEvent['command'];

export interface EventTarget {
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
}

export function sendMenuCommand(target: EventTarget | null | undefined, command: MenuCommand): boolean {
  if (!target || target.isDestroyed()) return false;
  const event: MenuCommandEvent = { type: 'menu.command', command };
  target.send(EVENT_CHANNEL, MENU_SUBSCRIPTION_ID, event);
  return true;
}
