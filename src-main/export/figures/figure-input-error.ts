/** A figure request the data cannot satisfy (no such metric in these runs, too many panels for the column). */
export class FigureInputError extends Error {}
