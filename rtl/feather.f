rtl/egg.sv
rtl/birrd.sv
