/**
 * Plain text to LaTeX that pdflatex compiles with no package beyond the kernel: the ten special characters are
 * escaped, and the Unicode the app's own labels use (Greek letters, ±, ×, dashes, superscripts) becomes the matching
 * macro. Any other non-ASCII character becomes '?', because pdflatex stops on a character it has no definition for
 * and a generated table must never keep a paper from compiling.
 */
const SPECIAL: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '{': '\\{',
  '}': '\\}',
  $: '\\$',
  '&': '\\&',
  '%': '\\%',
  '#': '\\#',
  _: '\\_',
  '^': '\\textasciicircum{}',
  '~': '\\textasciitilde{}',
  '<': '\\textless{}',
  '>': '\\textgreater{}',
};

const UNICODE: Record<string, string> = {
  α: '$\\alpha$',
  β: '$\\beta$',
  γ: '$\\gamma$',
  δ: '$\\delta$',
  ε: '$\\varepsilon$',
  ζ: '$\\zeta$',
  η: '$\\eta$',
  θ: '$\\theta$',
  λ: '$\\lambda$',
  μ: '$\\mu$',
  σ: '$\\sigma$',
  τ: '$\\tau$',
  φ: '$\\varphi$',
  Φ: '$\\Phi$',
  '±': '$\\pm$',
  '×': '$\\times$',
  '·': '$\\cdot$',
  '−': '$-$',
  '–': '--',
  '—': '---',
  '‖': '$\\|$',
  '≤': '$\\leq$',
  '≥': '$\\geq$',
  '≈': '$\\approx$',
  '→': '$\\rightarrow$',
  '⊗': '$\\otimes$',
  '²': '$^2$',
  '³': '$^3$',
  ᵀ: '$^\\top$',
  '½': '$\\frac{1}{2}$',
  '√': '$\\surd$',
  '⌊': '$\\lfloor$',
  '⌋': '$\\rfloor$',
  '’': "'",
  '‘': '`',
  '“': '``',
  '”': "''",
  ø: '{\\o}',
  Ø: '{\\O}',
  é: "\\'e",
  ö: '\\"o',
  ü: '\\"u',
  '\u00a0': '~',
};

export function latexText(text: string): string {
  let out = '';
  for (const ch of text) {
    const special = SPECIAL[ch] ?? UNICODE[ch];
    if (special !== undefined) out += special;
    else if (ch.charCodeAt(0) < 128) out += ch;
    else out += '?';
  }
  return out;
}
