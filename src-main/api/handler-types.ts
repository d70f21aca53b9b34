import type { MethodName, ParsedRequestOf, ResponseOf } from '../../shared/api/contract';
import type { Connection } from './connection';

export type Handler<M extends MethodName> = (
  request: ParsedRequestOf<M>,
  connection: Connection,
) => ResponseOf<M> | Promise<ResponseOf<M>>;

/** One handler for every method of the contract: the compiler refuses a missing one. */
export type Handlers = { [M in MethodName]: Handler<M> };
