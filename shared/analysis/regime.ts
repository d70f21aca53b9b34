import { DFA_LIKE_SHARE } from '../diagnostics';

/** What a learned-broadcast run's diagnostics say of one hidden layer (docs/diagnostics.md). */
export interface LayerRegimeInput {
  layer: number;
  /** Every recorded learned_share of the layer, in step order. */
  learnedShare: readonly number[];
  /** The last feedback_cosine, if recorded. */
  feedbackCosine: number | null;
}

export interface LayerRegime {
  layer: number;
  /** The largest share the layer reached: below DFA_LIKE_SHARE its random start carried it all run long. */
  maxShare: number;
  lastShare: number;
  dfaLike: boolean;
  /** Whether the broadcast ended pointing downhill (feedback_cosine > 0); null when not recorded. */
  downhill: boolean | null;
}

export interface BroadcastRegime {
  /** 'dfa-like': every layer's share stayed below 0.5; 'learned': every layer passed it; 'mixed' otherwise. */
  kind: 'dfa-like' | 'learned' | 'mixed';
  layers: LayerRegime[];
  /** One line for a summary: the regime and, per layer, the share reached and where the feedback points. */
  summary: string;
}

/** Hidden layers (ascending) that record a learned share, from diagnostic series names (layerK.learned_share). */
export function learnedShareLayers(names: Iterable<string>): number[] {
  const layers: number[] = [];
  for (const name of names) {
    const match = /^layer(\d+)\.learned_share$/.exec(name);
    if (match) layers.push(Number(match[1]));
  }
  return layers.sort((a, b) => a - b);
}

/**
 * The regime of a run whose broadcast is learned (EBD, SBD, DKP), from its diagnostics; null for a run that
 * recorded no learned share (another rule, or no diagnostics yet).
 */
export function broadcastRegime(inputs: readonly LayerRegimeInput[]): BroadcastRegime | null {
  const layers = inputs
    .filter((l) => l.learnedShare.length > 0)
    .map((l): LayerRegime => {
      const maxShare = Math.max(...l.learnedShare);
      return {
        layer: l.layer,
        maxShare,
        lastShare: l.learnedShare.at(-1)!,
        dfaLike: maxShare < DFA_LIKE_SHARE,
        downhill: l.feedbackCosine === null ? null : l.feedbackCosine > 0,
      };
    });
  if (layers.length === 0) return null;
  const dfaLike = layers.filter((l) => l.dfaLike).length;
  const kind = dfaLike === layers.length ? 'dfa-like' : dfaLike === 0 ? 'learned' : 'mixed';
  const title = {
    'dfa-like': 'DFA-like: the random start carried every layer (learned share stayed below 0.5)',
    learned: 'learned: the learned part of the broadcast passed half of it in every layer',
    mixed: 'mixed: some layers stayed DFA-like (learned share below 0.5)',
  }[kind];
  const details = layers.map((l) => {
    const where = l.downhill === null ? '' : l.downhill ? ', feedback downhill' : ', feedback uphill';
    return `layer ${l.layer} share ≤ ${l.maxShare.toFixed(2)}${l.dfaLike ? ' (DFA-like)' : ''}${where}`;
  });
  return { kind, layers, summary: `${title}; ${details.join('; ')}` };
}

/** What the runs of one group (seeds of an arm) say together, for Compare. */
export interface GroupRegime {
  /** e.g. "DFA-like (3 of 3 runs)" or "learned 2, mixed 1 (of 3 runs)". */
  text: string;
  /** Hidden layers whose feedback ended uphill in at least one run, ascending. */
  uphillLayers: number[];
  /** Each run's one-line summary, for a tooltip. */
  details: string[];
}

const REGIME_WORD = { 'dfa-like': 'DFA-like', learned: 'learned', mixed: 'mixed' } as const;

/** The regimes of a group's runs counted; null when no run of it records a learned share (not EBD, SBD or DKP). */
export function groupRegime(regimes: readonly (BroadcastRegime | null)[]): GroupRegime | null {
  const known = regimes.filter((r): r is BroadcastRegime => r !== null);
  if (known.length === 0) return null;
  const counts = (['dfa-like', 'learned', 'mixed'] as const)
    .map((kind) => [kind, known.filter((r) => r.kind === kind).length] as const)
    .filter(([, n]) => n > 0);
  const of = `of ${regimes.length} run${regimes.length === 1 ? '' : 's'}`;
  const text =
    counts.length === 1
      ? `${REGIME_WORD[counts[0]![0]]} (${counts[0]![1]} ${of})`
      : `${counts.map(([kind, n]) => `${REGIME_WORD[kind]} ${n}`).join(', ')} (${of})`;
  const uphill = new Set(known.flatMap((r) => r.layers.filter((l) => l.downhill === false).map((l) => l.layer)));
  return { text, uphillLayers: [...uphill].sort((a, b) => a - b), details: known.map((r) => r.summary) };
}
