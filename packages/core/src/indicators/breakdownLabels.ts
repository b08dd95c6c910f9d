/**
 * Names in Vietnamese and English of the breakdown values figures carry: VSIC 2018 sections (A–U), `ALL`, and ''
 * for the overall figure. One list for the warehouse (table `breakdown_labels`) and the API.
 */
/** Breakdown values: VSIC 2018 sections (A–U) and `ALL`; '' is the overall figure. */
export const BREAKDOWN_LABELS: Readonly<Record<string, { readonly vi: string; readonly en: string }>> = {
  "": { vi: "Chung", en: "Overall" },
  ALL: { vi: "Tất cả các ngành", en: "All sectors" },
  A: { vi: "A · Nông, lâm nghiệp và thủy sản", en: "A · Agriculture, forestry and fishing" },
  B: { vi: "B · Khai khoáng", en: "B · Mining and quarrying" },
  C: { vi: "C · Công nghiệp chế biến, chế tạo", en: "C · Manufacturing" },
  D: { vi: "D · Sản xuất, phân phối điện, khí đốt", en: "D · Electricity, gas, steam" },
  E: { vi: "E · Cấp nước, xử lý rác thải", en: "E · Water supply, waste management" },
  F: { vi: "F · Xây dựng", en: "F · Construction" },
  G: { vi: "G · Bán buôn, bán lẻ, sửa chữa xe", en: "G · Wholesale and retail trade" },
  H: { vi: "H · Vận tải, kho bãi", en: "H · Transport and storage" },
  I: { vi: "I · Dịch vụ lưu trú và ăn uống", en: "I · Accommodation and food" },
  J: { vi: "J · Thông tin và truyền thông", en: "J · Information and communication" },
  K: { vi: "K · Tài chính, ngân hàng, bảo hiểm", en: "K · Finance and insurance" },
  L: { vi: "L · Kinh doanh bất động sản", en: "L · Real estate" },
  M: { vi: "M · Chuyên môn, khoa học, công nghệ", en: "M · Professional, scientific, technical" },
  N: { vi: "N · Hành chính và dịch vụ hỗ trợ", en: "N · Administrative and support services" },
  O: { vi: "O · Quản lý nhà nước, an ninh, quốc phòng", en: "O · Public administration and defence" },
  P: { vi: "P · Giáo dục và đào tạo", en: "P · Education" },
  Q: { vi: "Q · Y tế và trợ giúp xã hội", en: "Q · Health and social work" },
  R: { vi: "R · Nghệ thuật, vui chơi, giải trí", en: "R · Arts, entertainment, recreation" },
  S: { vi: "S · Hoạt động dịch vụ khác", en: "S · Other service activities" },
  T: { vi: "T · Hộ gia đình tự sản xuất, làm thuê", en: "T · Households as employers" },
  U: { vi: "U · Tổ chức quốc tế", en: "U · Extraterritorial organisations" },
};
