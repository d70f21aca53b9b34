import type { RuleName } from '../rules/catalogue';

/**
 * The reference of each learning rule, as BibTeX. Keys are stable so that a paper's \cite commands keep working
 * across exports. Checked against the publishers' and arXiv's records.
 */
export const CITATION_KEYS: Record<RuleName, string> = {
  bp: 'rumelhart1986learning',
  fa: 'lillicrap2016random',
  dfa: 'nokland2016direct',
  drtp: 'frenkel2021learning',
  dkp: 'webster2020learning',
  ebd: 'erdogan2025error',
  sbd: 'uzun2026score',
  pepita: 'dellaferrera2022error',
};

const ENTRIES: Record<RuleName, string> = {
  bp: `@article{rumelhart1986learning,
  author  = {Rumelhart, David E. and Hinton, Geoffrey E. and Williams, Ronald J.},
  title   = {Learning Representations by Back-Propagating Errors},
  journal = {Nature},
  volume  = {323},
  number  = {6088},
  pages   = {533--536},
  year    = {1986},
  doi     = {10.1038/323533a0}
}`,
  fa: `@article{lillicrap2016random,
  author  = {Lillicrap, Timothy P. and Cownden, Daniel and Tweed, Douglas B. and Akerman, Colin J.},
  title   = {Random Synaptic Feedback Weights Support Error Backpropagation for Deep Learning},
  journal = {Nature Communications},
  volume  = {7},
  pages   = {13276},
  year    = {2016},
  doi     = {10.1038/ncomms13276}
}`,
  dfa: `@inproceedings{nokland2016direct,
  author    = {N{\\o}kland, Arild},
  title     = {Direct Feedback Alignment Provides Learning in Deep Neural Networks},
  booktitle = {Advances in Neural Information Processing Systems},
  volume    = {29},
  pages     = {1037--1045},
  year      = {2016},
  eprint    = {1609.01596},
  archivePrefix = {arXiv}
}`,
  drtp: `@article{frenkel2021learning,
  author  = {Frenkel, Charlotte and Lefebvre, Martin and Bol, David},
  title   = {Learning Without Feedback: Fixed Random Learning Signals Allow for Feedforward Training of Deep Neural Networks},
  journal = {Frontiers in Neuroscience},
  volume  = {15},
  pages   = {629892},
  year    = {2021},
  doi     = {10.3389/fnins.2021.629892}
}`,
  dkp: `@misc{webster2020learning,
  author  = {Webster, Matthew Bailey and Choi, Jonghyun and Ahn, Changwook},
  title   = {Learning the Connections in Direct Feedback Alignment},
  year    = {2020},
  eprint  = {2010.07595},
  archivePrefix = {arXiv},
  primaryClass  = {cs.LG},
  url     = {https://arxiv.org/abs/2010.07595}
}`,
  ebd: `@misc{erdogan2025error,
  author  = {Erdogan, Mete and Pehlevan, Cengiz and Erdogan, Alper T.},
  title   = {Error Broadcast and Decorrelation as a Potential Artificial and Natural Learning Mechanism},
  year    = {2025},
  eprint  = {2504.11558},
  archivePrefix = {arXiv},
  primaryClass  = {cs.LG},
  url     = {https://arxiv.org/abs/2504.11558}
}`,
  sbd: `@misc{uzun2026score,
  author  = {Uzun, Mustafa and Erdogan, Mete and Pehlevan, Cengiz and Erdogan, Alper T.},
  title   = {Score Broadcast and Decorrelation: A General Framework for Broadcast-Based Credit Assignment},
  year    = {2026},
  eprint  = {2605.30638},
  archivePrefix = {arXiv},
  primaryClass  = {cs.LG},
  url     = {https://arxiv.org/abs/2605.30638}
}`,
  pepita: `@inproceedings{dellaferrera2022error,
  author    = {Dellaferrera, Giorgia and Kreiman, Gabriel},
  title     = {Error-driven Input Modulation: Solving the Credit Assignment Problem without a Backward Pass},
  booktitle = {Proceedings of the 39th International Conference on Machine Learning},
  series    = {Proceedings of Machine Learning Research},
  volume    = {162},
  year      = {2022},
  url       = {https://proceedings.mlr.press/v162/dellaferrera22a.html}
}`,
};

/** The entries of the given rules, each once, in the order given. */
export function bibtexFor(rules: readonly RuleName[]): string {
  return `${[...new Set(rules)].map((r) => ENTRIES[r]).join('\n\n')}\n`;
}
