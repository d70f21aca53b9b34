import type { WebSocket } from 'ws';
import { ClientMessage, type ServerMessage } from '../../shared/api/envelope';
import { describeIssues, issuesFromZod } from '../../shared/api/errors';
import { Connection } from '../api/connection';
import type { Dispatcher } from '../api/dispatcher';
import type { EventBus } from '../api/event-bus';

/** Serves the API over one authorised socket: request/reply by id, plus pushed events. */
export function attachApiSocket(socket: WebSocket, dispatcher: Dispatcher, bus: EventBus): Connection {
  const send = (message: ServerMessage) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };
  const connection = new Connection(bus, (subscriptionId, event) => send({ kind: 'event', subscriptionId, event }));

  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      socket.close(1003, 'binary messages are not part of the API');
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(String(data));
    } catch {
      socket.close(1007, 'message is not JSON');
      return;
    }
    const message = ClientMessage.safeParse(raw);
    if (!message.success) {
      // Without a valid id there is nobody to reply to: say why and close.
      socket.close(1008, `malformed message: ${describeIssues(issuesFromZod(message.error))}`.slice(0, 120));
      return;
    }
    const { id, method, payload } = message.data;
    void dispatcher.invoke(method, payload, connection).then((outcome) => send({ kind: 'reply', id, outcome }));
  });
  // ws reports a malformed frame or an over-size message here and closes the socket with the matching code
  // (1002, 1009); without a listener the error would be thrown and end the server for everyone.
  socket.on('error', (error) => console.warn(`closed a WebSocket: ${error.message}`));
  socket.on('close', () => connection.close());
  return connection;
}
