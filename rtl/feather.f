rtl/egg.sv
rtl/birrd.sv
rtl/nest_pe.sv
rtl/nest.sv
rtl/nest_birrd.sv
