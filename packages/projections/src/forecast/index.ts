export * from "./backtest.js";
export * from "./forecast.js";
