-- The run's ICBs (2024): ONS and NHS codes and names, and the region they
-- make up (run_params.region: a preset or a list of ICB codes).
SELECT i.icb_code, i.icb_ods, i.icb_name, r.region
FROM ref_icbs i, run_params r
ORDER BY i.icb_code
