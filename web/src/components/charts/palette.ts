/** Series colors of every chart, in order; distinguishable and readable on white. */
export const PALETTE = ['#4f46e5', '#0891b2', '#ea580c', '#16a34a', '#db2777', '#ca8a04', '#7c3aed', '#475569'];

export const seriesColor = (i: number) => PALETTE[i % PALETTE.length];
