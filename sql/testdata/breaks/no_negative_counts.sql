UPDATE data_quality SET records = -records WHERE reason = 'read';
