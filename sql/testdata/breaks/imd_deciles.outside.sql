-- an LSOA where people of a known place live, missing from the region's LSOAs
DELETE FROM ref_areas WHERE lsoa21 = 'E01011009';
