UPDATE population SET age_band = '90-94' WHERE age_band = '90+';
