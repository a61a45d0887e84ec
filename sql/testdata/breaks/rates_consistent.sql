UPDATE activity_rates SET dsr_lo95 = dsr_per_1000 * 2 + 1;
