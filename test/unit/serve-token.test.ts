import { describe, expect, it } from 'vitest';
import { newToken } from '../../src-main/serve/token';

describe('serve tokens', () => {
  it('are 192 random bits in hex, so that `--token TOKEN` never reads as an option', () => {
    const tokens = Array.from({ length: 2000 }, newToken);
    for (const token of tokens) expect(token).toMatch(/^[0-9a-f]{48}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});
