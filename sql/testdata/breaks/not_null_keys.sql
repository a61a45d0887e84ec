UPDATE care_transitions SET lad_code = NULL WHERE measure = 'frequent_ae_attenders_12m' AND month = DATE '2024-01-01';
