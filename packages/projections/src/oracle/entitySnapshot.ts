/**
 * `entitySnapshot(kind, facts, year, resolve)`: one entity's attributes on Y-12-31 and where it counts, read off
 * the entity table of docs/semantics.md line by line.
 *
 * Contract: `facts` are the entity's counted facts (as of the position asked for, retracted ones removed) with
 * `occurredOn ≤ Y-12-31`, already in order — `occurredOn`, then log position — so "the last" is the greatest
 * index. The caller only asks about entities that exist in Y (at least one such fact).
 *
 * Unknown attributes. "An attribute no fact has set is unknown (null)": an attribute is `null` exactly when none of
 * the facts its rule reads is among `facts`. The facts a rule reads are taken narrowly: for `usesTraceability`
 * only solution `traceability`, for a facility capability only that capability, for a club technology only that
 * technology, for a field attribute only facts that carry the field. So `hasVneid`, `hasHealthRecord` and
 * `deployed` are `true` or `null`, never `false`; `usesDigitalSolution` is `false` once some solution fact exists
 * whatever its balance; `informedInFoundingYear` is `null` while `foundedYear` is (no registration) and a
 * boolean otherwise.
 *
 * Keys. "For some `institution`/`platform`/`provider`/`solution`…" groups facts by that field's value; a fact
 * without the (optional) field — only `institution` can be absent — forms its own group, the way SQL groups NULL.
 *
 * Location. The commune attribute comes from the fact the table names, resolved with `resolve(code, that fact's
 * occurredOn)`. No such fact (an enterprise known only from an update without commune, a household known only
 * from a disconnection, a project without commune, …) → the entity counts in the province only; the doc says so
 * for projects and this applies it to every kind. A code `resolve` does not know → `unresolved`: the entity is
 * left out of every geography.
 */
import type { EntityKind, Fact, FactType } from "@kpi/core";
import type { Attributes, AttributeValue } from "./meets.js";
import type { ResolveCommune } from "./oracleFold.js";

export type Location =
  | { readonly _tag: "commune"; readonly commune: string }
  | { readonly _tag: "provinceOnly" }
  | { readonly _tag: "unresolved" };

export interface EntitySnapshot {
  readonly location: Location;
  readonly attributes: Attributes;
}

const dataOf = (f: Fact): Readonly<Record<string, unknown>> => f.data;
export const yearOf = (isoDate: string): number => Number(isoDate.slice(0, 4));

/** The last fact of one of `types` (carrying `field`, when given). */
const last = (facts: readonly Fact[], types: readonly FactType[], field?: string): Fact | undefined => {
  for (let i = facts.length - 1; i >= 0; i--) {
    const f = facts[i];
    if (f !== undefined && types.includes(f.type) && (field === undefined || dataOf(f)[field] !== undefined)) return f;
  }
  return undefined;
};

/** A field of a fact as an attribute value (`null` without the fact or the field). */
const fieldOf = (f: Fact | undefined, field: string): AttributeValue =>
  f === undefined ? null : ((dataOf(f)[field] as AttributeValue | undefined) ?? null);

/** "The last of `on` / `off` is an `on`"; `null` when there is neither. */
const lastIs = (facts: readonly Fact[], on: FactType, off: FactType): boolean | null => {
  const f = last(facts, [on, off]);
  return f === undefined ? null : f.type === on;
};

/** The facts whose `field` equals `value`. */
const only = (facts: readonly Fact[], field: string, value: string): Fact[] =>
  facts.filter((f) => dataOf(f)[field] === value);

/** Facts of `types` grouped by the value of `key` (absent → its own group), each group in order. */
const groupBy = (facts: readonly Fact[], types: readonly FactType[], key: string): Fact[][] => {
  const groups = new Map<unknown, Fact[]>();
  for (const f of facts) {
    if (!types.includes(f.type)) continue;
    const k = dataOf(f)[key];
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [f]);
    else g.push(f);
  }
  return [...groups.values()];
};

/** "For some `key`, the last of `on` / `off` is an `on` (that `accept`s)"; `null` when there is neither. */
const someLastIs = (
  facts: readonly Fact[],
  on: FactType,
  off: FactType,
  key: string,
  accept: (f: Fact) => boolean = () => true,
): boolean | null => {
  const groups = groupBy(facts, [on, off], key);
  if (groups.length === 0) return null;
  return groups.some((g) => {
    const f = g[g.length - 1];
    return f !== undefined && f.type === on && accept(f);
  });
};

/** "For some `key`, the `plus` facts minus the `minus` facts > 0"; `null` when there is neither. */
const someBalancePositive = (facts: readonly Fact[], plus: FactType, minus: FactType, key: string): boolean | null => {
  const groups = groupBy(facts, [plus, minus], key);
  if (groups.length === 0) return null;
  return groups.some((g) => g.filter((f) => f.type === plus).length - g.filter((f) => f.type === minus).length > 0);
};

const locate = (
  setter: Fact | undefined,
  resolve: ResolveCommune,
): { readonly location: Location; readonly commune: AttributeValue } => {
  if (setter === undefined) return { location: { _tag: "provinceOnly" }, commune: null };
  const code = dataOf(setter).commune;
  const commune = typeof code === "string" ? resolve(code, setter.occurredOn) : undefined;
  return commune === undefined
    ? { location: { _tag: "unresolved" }, commune: null }
    : { location: { _tag: "commune", commune }, commune };
};

const FACILITY_CAPABILITIES = {
  ehr: "ehr",
  telemedicine: "telemedicine",
  digitalTeaching: "digital_teaching",
  smartClassroom: "smart_classroom",
  aiTraining: "ai_training",
} as const;

const CLUB_TECHNOLOGIES = ["iot", "traceability", "ecommerce"] as const;

export const entitySnapshot = (
  kind: EntityKind,
  facts: readonly Fact[],
  year: number,
  resolve: ResolveCommune,
): EntitySnapshot => {
  const yearEnd = `${year}-12-31`;
  switch (kind) {
    case "enterprise": {
      const setters: FactType[] = ["EnterpriseRegistered", "EnterpriseUpdated"];
      const registered = last(facts, ["EnterpriseRegistered"]);
      const foundedYear = registered === undefined ? null : yearOf(registered.occurredOn);
      const { location, commune } = locate(last(facts, setters, "commune"), resolve);
      return {
        location,
        attributes: {
          active: lastIs(facts, "EnterpriseRegistered", "EnterpriseClosed"),
          commune,
          size: fieldOf(last(facts, setters, "size"), "size"),
          sector: fieldOf(last(facts, setters, "sector"), "sector"),
          digitalTech: fieldOf(last(facts, setters, "digitalTech"), "digitalTech"),
          form: fieldOf(registered, "form"),
          foundedYear,
          informedInFoundingYear:
            foundedYear === null
              ? null
              : facts.some((f) => f.type === "DigitalTransformationBriefed" && yearOf(f.occurredOn) === foundedYear),
          usesDigitalSolution: someBalancePositive(
            facts,
            "DigitalSolutionAdopted",
            "DigitalSolutionDropped",
            "solution",
          ),
          usesTraceability: someBalancePositive(
            only(facts, "solution", "traceability"),
            "DigitalSolutionAdopted",
            "DigitalSolutionDropped",
            "solution",
          ),
          onEcommerce: someLastIs(facts, "EcommerceListed", "EcommerceDelisted", "platform"),
          smartManufacturing: lastIs(facts, "SmartManufacturingAdopted", "SmartManufacturingDropped"),
        },
      };
    }
    case "ocop": {
      const certified = last(facts, ["OcopCertified"]);
      const { location, commune } = locate(certified, resolve);
      return {
        location,
        attributes: {
          certified: lastIs(facts, "OcopCertified", "OcopCertificationEnded"),
          commune,
          stars: fieldOf(certified, "stars"),
          online: someLastIs(facts, "OcopListedOnline", "OcopDelistedOnline", "platform"),
        },
      };
    }
    case "person": {
      const latest = facts[facts.length - 1];
      const { location, commune } = locate(latest, resolve);
      return {
        location,
        attributes: {
          commune,
          birthYear: fieldOf(latest, "birthYear"),
          hasPaymentAccount: someBalancePositive(facts, "PaymentAccountOpened", "PaymentAccountClosed", "institution"),
          hasVneid: facts.some((f) => f.type === "VneidActivated") ? true : null,
          hasDigitalSignature: someLastIs(
            facts,
            "DigitalSignatureIssued",
            "DigitalSignatureRevoked",
            "provider",
            (f) => String(dataOf(f).validUntil) >= yearEnd,
          ),
          hasHealthRecord: facts.some((f) => f.type === "HealthRecordCreated") ? true : null,
        },
      };
    }
    case "facility": {
      const registered = last(facts, ["FacilityRegistered"]);
      const { location, commune } = locate(registered, resolve);
      const capabilities = Object.fromEntries(
        Object.entries(FACILITY_CAPABILITIES).map(([attribute, capability]) => [
          attribute,
          lastIs(only(facts, "capability", capability), "FacilityCapabilityAdopted", "FacilityCapabilityDropped"),
        ]),
      );
      return {
        location,
        attributes: {
          active: lastIs(facts, "FacilityRegistered", "FacilityClosed"),
          commune,
          kind: fieldOf(registered, "kind"),
          ...capabilities,
        },
      };
    }
    case "household": {
      const { location, commune } = locate(last(facts, ["FixedBroadbandConnected"]), resolve);
      return {
        location,
        attributes: {
          commune,
          fixedBroadband: lastIs(facts, "FixedBroadbandConnected", "FixedBroadbandDisconnected"),
        },
      };
    }
    case "club": {
      const { location, commune } = locate(last(facts, ["ClubFounded"]), resolve);
      const technologies = Object.fromEntries(
        CLUB_TECHNOLOGIES.map((t) => [
          t,
          lastIs(only(facts, "technology", t), "ClubTechnologyAdopted", "ClubTechnologyDropped"),
        ]),
      );
      const firstIot = facts.find((f) => f.type === "ClubTechnologyAdopted" && dataOf(f).technology === "iot");
      return {
        location,
        attributes: {
          active: lastIs(facts, "ClubFounded", "ClubDissolved"),
          commune,
          ...technologies,
          iotFirstYear: firstIot === undefined ? null : yearOf(firstIot.occurredOn),
        },
      };
    }
    case "village": {
      const { location, commune } = locate(last(facts, ["SmartVillageRecognised"]), resolve);
      return {
        location,
        attributes: { recognised: lastIs(facts, "SmartVillageRecognised", "SmartVillageWithdrawn"), commune },
      };
    }
    case "project": {
      const { location, commune } = locate(last(facts, ["AiProjectDeployed"], "commune"), resolve);
      return {
        location,
        attributes: { deployed: facts.some((f) => f.type === "AiProjectDeployed") ? true : null, commune },
      };
    }
    default: {
      const unknown: never = kind;
      throw new Error(`unknown entity kind ${String(unknown)}`);
    }
  }
};
