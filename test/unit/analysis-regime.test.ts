import { describe, expect, it } from 'vitest';
import { broadcastRegime, groupRegime, learnedShareLayers } from '../../shared/analysis/regime';

describe('learnedShareLayers', () => {
  it('finds the layers that record a learned share, in order, and nothing else', () => {
    expect(
      learnedShareLayers([
        'layer10.learned_share',
        'layer2.learned_share',
        'layer2.bp_cosine',
        'loss',
        'xlayer3.learned_share',
      ]),
    ).toEqual([2, 10]);
  });
});

describe('broadcastRegime', () => {
  it('calls a run DFA-like only when every layer’s learned share stayed below 0.5', () => {
    const regime = broadcastRegime([
      { layer: 1, learnedShare: [0, 0.1, 0.3, 0.2], feedbackCosine: 0.4 },
      { layer: 2, learnedShare: [0, 0.49], feedbackCosine: -0.2 },
    ]);
    expect(regime?.kind).toBe('dfa-like');
    expect(regime?.layers.map((l) => [l.maxShare, l.lastShare, l.dfaLike, l.downhill])).toEqual([
      [0.3, 0.2, true, true],
      [0.49, 0.49, true, false],
    ]);
    expect(regime?.summary).toContain('DFA-like');
    expect(regime?.summary).toContain('layer 2 share ≤ 0.49 (DFA-like), feedback uphill');
  });

  it('a layer that once passed 0.5 learned, even if its share fell back; mixed when only some did', () => {
    const regime = broadcastRegime([
      { layer: 1, learnedShare: [0.2, 0.7, 0.4], feedbackCosine: null },
      { layer: 2, learnedShare: [0.1], feedbackCosine: 0.3 },
    ]);
    expect(regime?.kind).toBe('mixed');
    expect(regime?.layers[0]?.dfaLike).toBe(false);
    expect(regime?.layers[0]?.downhill).toBeNull();
    expect(broadcastRegime([{ layer: 1, learnedShare: [0.9], feedbackCosine: 0.1 }])?.kind).toBe('learned');
  });

  it('says nothing for a run without a learned share', () => {
    expect(broadcastRegime([])).toBeNull();
    expect(broadcastRegime([{ layer: 1, learnedShare: [], feedbackCosine: 0.5 }])).toBeNull();
  });
});

describe('groupRegime', () => {
  const dfaLike = broadcastRegime([{ layer: 1, learnedShare: [0.01], feedbackCosine: 0.3 }]);
  const learnedUphill = broadcastRegime([
    { layer: 1, learnedShare: [0.9], feedbackCosine: 0.2 },
    { layer: 2, learnedShare: [0.95], feedbackCosine: -0.4 },
  ]);

  it('counts the regimes of a group’s runs and names the layers whose feedback ended uphill in any', () => {
    expect(groupRegime([dfaLike, dfaLike, dfaLike])).toMatchObject({
      text: 'DFA-like (3 of 3 runs)',
      uphillLayers: [],
    });
    const mixed = groupRegime([learnedUphill, dfaLike, null]);
    expect(mixed?.text).toBe('DFA-like 1, learned 1 (of 3 runs)');
    expect(mixed?.uphillLayers).toEqual([2]);
    expect(mixed?.details).toHaveLength(2);
  });

  it('has nothing to say of a group without a learned broadcast', () => {
    expect(groupRegime([null, null])).toBeNull();
    expect(groupRegime([])).toBeNull();
  });
});
