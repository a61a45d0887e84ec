-- an LSOA of the region without its IMD decile
UPDATE ref_areas SET imd_decile = NULL WHERE lsoa21 = 'E01011008';
