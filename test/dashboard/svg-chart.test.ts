import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { escapeXml, lineChartSvg, niceTicks } from '../../src/dashboard/svg-chart.js';

const attr = (svg: string, tag: string, name: string): number[] =>
  [...svg.matchAll(new RegExp(`<${tag} [^>]*?${name}="([-\\d.]+)"`, 'g'))].map((m) => Number(m[1]));

describe('SVG line charts', () => {
  it('ticks are evenly spaced round numbers (1, 2 or 5 × 10^k) covering the range', () => {
    // Values as measured: a few significant digits, from 1e-3 to 1e6.
    const measured = (max: number) => fc.integer({ min: 0, max: 1e9 }).map((n) => (n / 1e9) * max);
    fc.assert(fc.property(fc.oneof(measured(1e6), measured(1e6).map((x) => -x)), fc.oneof(measured(1), measured(1e6)), (lo, span) => {
      const ticks = niceTicks(lo, lo + span, 5);
      const dust = 1e-9 * Math.max(Math.abs(lo), span, 1e-12);  // ticks are rounded to 12 digits
      expect(ticks[0]!).toBeLessThanOrEqual(lo + dust);
      expect(ticks.at(-1)!).toBeGreaterThanOrEqual(lo + span - dust);
      const step = ticks[1]! - ticks[0]!;
      const mantissa = step / 10 ** Math.floor(Math.log10(step));
      expect([1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-6)).toBe(true);
      expect(ticks.length).toBeLessThanOrEqual(13);
    }));
  });

  it('places points left to right by x and bottom to top by y, one path through them in their order', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 2, maxLength: 10 }),
      fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 10, maxLength: 10 }), (xs, ys) => {
        const points = xs.map((x, i) => ({ x, y: ys[i]! }));
        const svg = lineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', color: '#123456', points }] });
        const cx = attr(svg, 'circle', 'cx');
        const cy = attr(svg, 'circle', 'cy');
        for (let i = 0; i < points.length; i++) {
          for (let j = 0; j < points.length; j++) {
            expect(Math.sign(cx[i]! - cx[j]!)).toBe(Math.sign(points[i]!.x - points[j]!.x));
            expect(Math.sign(cy[j]! - cy[i]!)).toBe(Math.sign(points[i]!.y - points[j]!.y));
          }
        }
        const path = /class="series-line" d="([^"]+)"/.exec(svg)![1]!;
        const vertices = [...path.matchAll(/[ML]([-\d.]+),([-\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
        expect(vertices).toEqual(cx.map((x, i) => [x, cy[i]]));
      }));
  });

  it('escapes names, marks flagged points and says when there is no data', () => {
    const svg = lineChartSvg({ title: '<b>&', xLabel: 'x', yLabel: 'y',
      series: [{ name: 'a"b', color: '#000000', points: [{ x: 1, y: 2, flagged: true }, { x: 2, y: 3 }] }] });
    expect(svg).toContain(escapeXml('<b>&'));
    expect(svg).not.toContain('<b>');
    expect(svg.match(/class="point flagged"/g)).toHaveLength(1);
    expect(lineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [] })).toContain('no data');
  });
});
