/**
 * Every number the sample province is calibrated on, in one place, with where it comes from. Figures marked
 * "published" are in `packages/reference/data/dong_thap_published_figures.csv`; the others are plausible assumptions
 * chosen to sit near the published figures and the targets of `targets.md`, never claims about the real province.
 *
 * A `Curve` gives a value at the end of each year from 2018 (the state the initial load describes) to 2026; the
 * simulation interpolates linearly within a year. Shares are fractions of the population the indicator uses.
 */

export const FIRST_YEAR = 2019;
export const LAST_YEAR = 2026;
export const YEARS = [2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026] as const;

/** End-of-year values for 2018 (initial state) … 2026. */
export type Curve = readonly [number, number, number, number, number, number, number, number, number];

export const curveAt = (c: Curve, year: number): number => c[Math.min(8, Math.max(0, year - 2018))] as number;

/** The province's population scale used for the 2025 merger: 4,370,046 (published, sapnhap.bando). */
export const PROVINCE_POPULATION_2025 = 4_370_046;

export const people = {
  /** Age shares of residents on 2019-01-01 by band [from, to] (GSO-like pyramid of the Mekong delta). */
  ageBands: [
    { from: 0, to: 14, share: 0.22 },
    { from: 15, to: 17, share: 0.043 },
    { from: 18, to: 24, share: 0.09 },
    { from: 25, to: 39, share: 0.23 },
    { from: 40, to: 59, share: 0.275 },
    { from: 60, to: 79, share: 0.12 },
    { from: 80, to: 95, share: 0.022 },
  ],
  /** Births per year as a share of the 2019 residents. */
  birthRate: 0.0115,
  /** Yearly probability of dying (or leaving for good) by age. */
  deathRate: (age: number): number =>
    age < 15 ? 0.0008 : age < 40 ? 0.001 : age < 60 ? 0.004 : age < 80 ? 0.02 : 0.09,
  /** Residents on 2019-01-01 as a share of the 2025 population: births outnumber deaths by ~0.55 %/year. */
  initialShareOf2025: 0.964,
  /** PAYMENT_ACCT_15: people aged 15+ with an open payment account (target ≥ 80 % in 2025). */
  paymentAccount15: [0.45, 0.5, 0.56, 0.63, 0.69, 0.74, 0.78, 0.81, 0.84] as Curve,
  /** Share of account holders who open a second account (another bank or an e-wallet). */
  secondAccount: 0.2,
  /** Yearly share of holders closing one account. */
  accountClosure: 0.03,
  /** VNeID among people aged 14+ (VNEID_ADULT target ≥ 80 % in 2025); the app arrived in 2021–2022. */
  vneid14: [0, 0, 0, 0.02, 0.28, 0.58, 0.72, 0.79, 0.83] as Curve,
  /** Share of activations at level 2 (the rest at level 1, half of which upgrade later). */
  vneidLevel2: 0.8,
  /** DIGSIG_ADULT: adults with a valid personal digital signature (target ≥ 50 % in 2025, not met here). */
  signatureAdult: [0.005, 0.008, 0.012, 0.02, 0.04, 0.09, 0.2, 0.36, 0.46] as Curve,
  signatureRenewal: 0.6,
  signatureRevocation: 0.03,
  /** POP_EHR: people with an electronic health record (target ≥ 90 % in 2025). */
  healthRecord: [0.02, 0.05, 0.1, 0.18, 0.32, 0.55, 0.7, 0.83, 0.89] as Curve,
};

export const households = {
  /** Persons per household, 2019; falls by 0.03 a year. */
  size2019: 3.55,
  /** HH_FIXED_BROADBAND (published: > 83 % in old Đồng Tháp mid-2024; target > 80 % in 2025). */
  fixedBroadband: [0.48, 0.55, 0.62, 0.69, 0.74, 0.79, 0.83, 0.86, 0.88] as Curve,
  disconnection: 0.05,
};

export const businesses = {
  /**
   * Active enterprises (form "enterprise") at year end. Published: > 12,500 in 2025, > 13,000 early 2026.
   */
  activeEnterprises: [9500, 9900, 10200, 10450, 11050, 11650, 12250, 12900, 13450] as Curve,
  /** New enterprises per year (published: 2,730 in 2025). Index = year − 2018 (2018 unused). */
  newEnterprises: [0, 1950, 1850, 1700, 2350, 2450, 2600, 2730, 2850] as Curve,
  activeCooperatives: [380, 400, 420, 440, 460, 480, 500, 520, 540] as Curve,
  newCooperatives: [0, 40, 40, 35, 45, 45, 50, 50, 50] as Curve,
  /** Household businesses (HKD) at year end. Published: > 120,000 in 2025. */
  activeHouseholds: [104000, 106500, 107000, 106000, 110000, 114000, 118000, 121500, 124000] as Curve,
  newHouseholds: [0, 14500, 13000, 11000, 15500, 16000, 16500, 17000, 17000] as Curve,
  /** Enterprises (all) using at least one digital solution (ENT_DIGITAL_SOLUTION, target ≥ 70 % in 2030). */
  enterpriseSolution: [0.3, 0.35, 0.4, 0.46, 0.62, 0.68, 0.72, 0.76, 0.79] as Curve,
  /** SMEs on an e-commerce platform (SME_ECOM_PLATFORM; published > 58 % claimed for 2021–23; target > 55 %). */
  smeEcommerce: [0.2, 0.26, 0.34, 0.42, 0.48, 0.52, 0.54, 0.56, 0.6] as Curve,
  /** Agricultural SMEs do a little better (AGRI_SME_ECOM target > 60 %). */
  agriEcommerceFactor: 1.1,
  /** Manufacturing enterprises applying smart manufacturing (MFG_SMART, target ≥ 50 % in 2030). */
  smartManufacturing: [0.01, 0.015, 0.02, 0.03, 0.045, 0.065, 0.09, 0.12, 0.15] as Curve,
  /** New enterprises briefed on digital transformation in their founding year (NEW_ENT_INFORMED). */
  briefedInFoundingYear: [0, 0.1, 0.15, 0.25, 0.4, 0.55, 0.65, 0.75, 0.85] as Curve,
  cooperativeSolution: [0.35, 0.4, 0.45, 0.5, 0.56, 0.62, 0.68, 0.74, 0.78] as Curve,
  /** Cooperatives using traceability (CLUB_COOP_TRACE_ECOM with e-commerce, target ≥ 20 % in 2025). */
  cooperativeTraceability: [0.04, 0.06, 0.09, 0.12, 0.16, 0.21, 0.26, 0.31, 0.35] as Curve,
  cooperativeEcommerce: [0.08, 0.1, 0.13, 0.17, 0.21, 0.25, 0.29, 0.33, 0.37] as Curve,
  /** Household businesses using a digital solution (SME_COOP_HH_DIGITAL with SMEs and HTX, ≥ 30 % in 2025). */
  householdSolution: [0.03, 0.05, 0.07, 0.1, 0.14, 0.19, 0.25, 0.32, 0.4] as Curve,
  householdEcommerce: [0.02, 0.03, 0.04, 0.06, 0.08, 0.1, 0.11, 0.12, 0.15] as Curve,
  /** Probability a new enterprise outside section J is a digital-technology enterprise, 2019 (+1 point a year). */
  digitalTechShare2019: 0.09,
  /** Yearly rates among adopters. */
  extraAdoption: 0.15,
  solutionDrop: 0.02,
  delisting: 0.06,
  smartDrop: 0.06,
  /** Yearly share of active enterprises updating their size or digital-technology flag, or moving. */
  update: 0.02,
  move: 0.005,
  /** After 2025-07-01: share re-registering their address with the new code (split old units / others). */
  addressUpdateSplit: 0.6,
  addressUpdateOther: 0.08,
  /** Yearly share of older enterprises briefed (outside their founding year; does not count). */
  briefedLater: 0.03,
};

export const ocop = {
  /** Certified OCOP products at year end. Published: 1,002 (Nov 2025), 1,102 (end 2025); 453 old ĐT in 2024. */
  certified: [40, 130, 270, 400, 540, 680, 830, 1100, 1230] as Curve,
  /** OCOP_ONLINE (published: 824 of 1,002 = 82.24 % in Nov 2025; ~80 % claimed for 2021–23). */
  online: [0.2, 0.3, 0.45, 0.58, 0.68, 0.76, 0.8, 0.82, 0.86] as Curve,
  /** A certificate lasts 36 months; this share is re-certified, the rest ends. */
  recertified: 0.85,
  delisting: 0.04,
  stars: [
    { stars: 3, share: 0.78 },
    { stars: 4, share: 0.21 },
    { stars: 5, share: 0.01 },
  ],
};

export const facilities = {
  ehr: [0.05, 0.1, 0.18, 0.28, 0.42, 0.62, 0.78, 0.88, 0.94] as Curve,
  telemedicine: [0, 0.01, 0.08, 0.3, 0.45, 0.58, 0.7, 0.82, 0.9] as Curve,
  digitalTeaching: [0.1, 0.18, 0.45, 0.72, 0.76, 0.8, 0.84, 0.88, 0.92] as Curve,
  smartClassroom: [0.01, 0.02, 0.03, 0.05, 0.08, 0.12, 0.17, 0.23, 0.3] as Curve,
  closure: 0.005,
  capabilityDrop: 0.01,
};

export const clubs = {
  /** Farmer clubs (hội quán, a movement of old Đồng Tháp since 2016) at year end. */
  active: [90, 110, 125, 135, 145, 155, 165, 175, 185] as Curve,
  /** Clubs newly applying IoT in each year (IOT_FARMER_CLUBS: ≥ 7 more in 2025); 2018 = initial stock. */
  newIot: [3, 2, 3, 4, 5, 6, 7, 9, 10] as Curve,
  traceability: [0.05, 0.08, 0.11, 0.14, 0.18, 0.22, 0.26, 0.3, 0.34] as Curve,
  ecommerce: [0.06, 0.09, 0.12, 0.16, 0.2, 0.24, 0.28, 0.32, 0.36] as Curve,
  dissolution: 0.015,
};

/** Smart villages recognised per year (SMART_VILLAGES: 7 by 2025); one withdrawn in 2026. */
export const smartVillagesPerYear: Readonly<Record<number, number>> = { 2023: 2, 2024: 2, 2025: 3, 2026: 3 };

/** AI projects deployed per year (AI_PROJECTS: ≥ 5 by 2025, ≥ 10 by 2030). */
export const aiProjectsPerYear: Readonly<Record<number, number>> = {
  2021: 1,
  2022: 1,
  2023: 2,
  2024: 2,
  2025: 3,
  2026: 3,
};

export const economy = {
  /**
   * GRDP of the merged province, billion VND, current prices (published: old ĐT 124,127 in 2024; Tiền Giang
   * 100,314 in 2021; growth 8 % in 2025).
   */
  grdp: [170000, 180000, 188000, 192000, 222000, 238000, 259000, 284000, 310000] as Curve,
  /** DE_GRDP (published: TG 8.59 % in 2021, ĐT ~7 % H1 2024; target 15 % in 2025). */
  digitalShare: [0.04, 0.045, 0.052, 0.06, 0.068, 0.08, 0.098, 0.125, 0.145] as Curve,
  /** Reported sectors: share of GRDP and digital share in the sector, 2019 → 2026 (linear). */
  sectors: <
    readonly {
      sector: "A" | "C" | "F" | "G" | "J";
      gdpShare: readonly [number, number];
      digital: readonly [number, number];
    }[]
  >[
    { sector: "A", gdpShare: [0.3, 0.26], digital: [0.015, 0.065] },
    { sector: "C", gdpShare: [0.19, 0.22], digital: [0.04, 0.12] },
    { sector: "F", gdpShare: [0.06, 0.06], digital: [0.01, 0.045] },
    { sector: "G", gdpShare: [0.12, 0.13], digital: [0.05, 0.17] },
    { sector: "J", gdpShare: [0.015, 0.02], digital: [0.55, 0.7] },
  ],
  /** Retail sales, billion VND (published: TG 89,250 in 2024; merged > 206,900 for Jan–Oct 2025). */
  retail: [140000, 150000, 152000, 140000, 175000, 198000, 220000, 250000, 275000] as Curve,
  /** ECOM_RETAIL (target > 10 % in 2025). */
  retailEcommerce: [0.01, 0.015, 0.025, 0.035, 0.045, 0.055, 0.07, 0.085, 0.1] as Curve,
  /** Labour productivity, million VND per worker at 2010 prices (LABOR_PRODUCTIVITY_GROWTH target ≥ 7 %/yr). */
  productivity: [55.0, 58.0, 60.5, 61.0, 65.5, 69.2, 73.9, 79.5, 85.0] as Curve,
};

/**
 * DTI rank published for each year (index year − 2018; 0 = none). Old Đồng Tháp's rank among 63 until 2023
 * (published: 39 in 2022, up 10 from 2021), the merged province among 34 from 2024.
 */
export const dti = {
  rank: [0, 0, 46, 49, 39, 30, 15, 12, 10] as Curve,
  of: [0, 0, 63, 63, 63, 63, 34, 34, 34] as Curve,
  score: [0, 0, 0.38, 0.45, 0.52, 0.58, 0.68, 0.73, 0.77] as Curve,
};

/** Yearly surveys: share meeting the condition (POP_ONLINE_SHOPPING, POP_DIGITAL_SKILLS, FARMERS_IOT, ADMIN_SATISFACTION). */
export const surveys = {
  ONLINE_SHOPPING: [0.18, 0.22, 0.3, 0.4, 0.47, 0.53, 0.58, 0.63, 0.68] as Curve,
  DIGITAL_SKILLS: [0.24, 0.28, 0.34, 0.42, 0.5, 0.57, 0.63, 0.69, 0.74] as Curve,
  FARMERS_IOT: [0.06, 0.08, 0.12, 0.17, 0.23, 0.3, 0.37, 0.45, 0.52] as Curve,
  ADMIN_SATISFACTION: [0.8, 0.82, 0.84, 0.85, 0.87, 0.88, 0.89, 0.9, 0.91] as Curve,
} as const;

/** Province-level administrative counts per year: [value 2019 … 2026] or a share of another series. */
export const counts = {
  MOBILE_SUBSCRIPTIONS: [4_600_000, 4_650_000, 4_700_000, 4_760_000, 4_820_000, 4_880_000, 4_930_000, 4_980_000],
  smartphoneShare: [0.6, 0.66, 0.72, 0.77, 0.81, 0.85, 0.88, 0.91],
  PROCEDURES_ELIGIBLE_ONLINE: [1100, 1180, 1260, 1320, 1380, 1420, 1460, 1480],
  proceduresFullyShare: [0.2, 0.45, 0.8, 0.95, 1, 1, 1, 1],
  DOCUMENTS_EXCHANGED: [2_300_000, 2_450_000, 2_600_000, 2_750_000, 2_900_000, 3_000_000, 3_150_000, 3_300_000],
  documentsOnlineShare: [0.85, 0.9, 0.94, 0.96, 0.98, 0.99, 0.995, 0.997],
  STATE_AGENCIES: [92, 92, 92, 92, 90, 88, 128, 128],
  openDataShare: [0.05, 0.1, 0.2, 0.32, 0.45, 0.58, 0.7, 0.8],
  machineReadableShare: [0, 0, 0, 0.1, 0.15, 0.22, 0.3, 0.4],
  OFFICIALS: [64000, 63500, 63000, 62500, 62000, 61000, 58000, 57000],
  officialsTrainedShare: [0.1, 0.18, 0.3, 0.45, 0.6, 0.72, 0.85, 0.92],
  /** Officials newly trained in AI each year (AI_OFFICIALS_TRAINED ≥ 100 by 2025). */
  OFFICIALS_AI_TRAINED: [0, 0, 10, 15, 25, 40, 60, 80],
};
