// feather_mem_engine: the memory engine of the FEATHER top: Load and Store of
// `count` lines between the off-chip memory port and an on-chip target.
//
// Load: requests go out in order (addr, addr+1, ...), responses come back in
// request order; response k is written to line line+k of the target
// (ld_fire_o, with tgt_o and line_o; the buffers and the requantization tables
// take it). Store: the target's lines are read ahead, one per cycle (the
// buffers read line_o while a Store is busy; the data is on rd_data_i the
// cycle after), into a two-entry queue and sent as posted writes in order.
// busy_o until the last request (Store) or response (Load) has been
// exchanged.

module feather_mem_engine #(
  parameter int  AW  = 4,
  parameter int  SD  = 64,
  parameter int  WD  = 64,
  parameter int  OD  = 64,
  parameter int  MAW = 24,
  localparam int LA  = feather_pkg::line_width(SD, WD, OD),
  localparam int XW  = feather_pkg::index_width(AW, SD, WD, OD),
  localparam int BW  = AW * 8
) (
  input  logic           clk_i,
  input  logic           rst_ni,
  // Load/Store (decoded; do_i starts it).
  input  logic           do_i,
  input  logic           store_i,
  input  logic [feather_pkg::TgtW-1:0] tgt_i,
  input  logic [LA-1:0]  line_i,
  input  logic [XW-1:0]  count_i,
  input  logic [MAW-1:0] addr_i,
  // Off-chip memory port.
  output logic           mem_req_valid_o,
  input  logic           mem_req_ready_i,
  output logic           mem_req_we_o,
  output logic [MAW-1:0] mem_req_addr_o,
  output logic [BW-1:0]  mem_req_wdata_o,
  input  logic           mem_rsp_valid_i,
  output logic           mem_rsp_ready_o,
  // On-chip side.
  output logic           busy_o,
  output logic           store_o,
  output logic [feather_pkg::TgtW-1:0] tgt_o,
  output logic [LA-1:0]  line_o,     // next line to write (Load) or read (Store)
  output logic           ld_fire_o,  // a Load response is written to line_o this cycle
  input  logic [BW-1:0]  rd_data_i,  // the line read last cycle
  output logic [1:0]     queued_o    // Store lines queued (for the assertions)
);

  logic           mem_busy_q /* verilator public_flat_rd */;
  logic           mem_store_q;
  logic [feather_pkg::TgtW-1:0] mem_tgt_q;
  logic [LA-1:0]  mem_line_q;      // next line to write (load) or read (store)
  logic [XW-1:0]  mem_req_left_q;  // requests still to send
  logic [XW-1:0]  mem_rsp_left_q;  // load: responses still to receive
  logic [MAW-1:0] mem_addr_q;
  // Store: lines are read ahead into a two-entry queue, one line per cycle.
  logic [XW-1:0]  mem_rd_left_q;   // lines still to read
  logic           mem_rd_infl_q;   // a line read last cycle: its data is on the read port now
  logic [1:0]     mem_fcnt_q;      // queued lines (0..2)
  logic [BW-1:0]  mem_f0_q, mem_f1_q;

  logic mem_req_fire, mem_rsp_fire;
  assign mem_req_valid_o = mem_busy_q && (mem_store_q ? (mem_fcnt_q != 2'd0) :
                                                       (mem_req_left_q != '0));
  assign mem_req_we_o    = mem_store_q;
  assign mem_req_addr_o  = mem_addr_q;
  assign mem_req_wdata_o = mem_f0_q;
  assign mem_rsp_ready_o = mem_busy_q && !mem_store_q;
  assign mem_req_fire    = mem_req_valid_o && mem_req_ready_i;
  assign mem_rsp_fire    = mem_rsp_valid_i && mem_rsp_ready_o;

  // Store: read line (cycle k), queue its data (k+1), send in order.
  logic st_rd_issue;
  assign st_rd_issue = mem_busy_q && mem_store_q && (mem_rd_left_q != '0) &&
                       ((32'(mem_fcnt_q) + 32'(mem_rd_infl_q) - 32'(mem_req_fire)) < 2);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      mem_busy_q     <= 1'b0;
      mem_store_q    <= 1'b0;
      mem_tgt_q      <= '0;
      mem_line_q     <= '0;
      mem_req_left_q <= '0;
      mem_rsp_left_q <= '0;
      mem_addr_q     <= '0;
      mem_rd_left_q  <= '0;
      mem_rd_infl_q  <= 1'b0;
      mem_fcnt_q     <= 2'd0;
      mem_f0_q       <= '0;
      mem_f1_q       <= '0;
    end else if (do_i) begin
      mem_busy_q     <= (count_i != '0);
      mem_store_q    <= store_i;
      mem_tgt_q      <= tgt_i;
      mem_line_q     <= line_i;
      mem_req_left_q <= count_i;
      mem_rsp_left_q <= count_i;
      mem_addr_q     <= addr_i;
      mem_rd_left_q  <= store_i ? count_i : '0;
      mem_rd_infl_q  <= 1'b0;
      mem_fcnt_q     <= 2'd0;
    end else if (mem_busy_q && mem_store_q) begin
      mem_rd_infl_q <= st_rd_issue;
      if (st_rd_issue) begin
        mem_line_q    <= mem_line_q + LA'(1);
        mem_rd_left_q <= mem_rd_left_q - XW'(1);
      end
      // Queue: push the line read last cycle, pop the one sent.
      unique case ({mem_rd_infl_q, mem_req_fire})
        2'b10: begin
          if (mem_fcnt_q == 2'd0) mem_f0_q <= rd_data_i;
          else mem_f1_q <= rd_data_i;
          mem_fcnt_q <= mem_fcnt_q + 2'd1;
        end
        2'b01: begin
          mem_f0_q   <= mem_f1_q;
          mem_fcnt_q <= mem_fcnt_q - 2'd1;
        end
        2'b11: begin
          if (mem_fcnt_q == 2'd1) begin
            mem_f0_q <= rd_data_i;
          end else begin
            mem_f0_q <= mem_f1_q;
            mem_f1_q <= rd_data_i;
          end
        end
        default: ;
      endcase
      if (mem_req_fire) begin
        mem_addr_q     <= mem_addr_q + MAW'(1);
        mem_req_left_q <= mem_req_left_q - XW'(1);
        if (mem_req_left_q == XW'(1)) begin
          mem_busy_q <= 1'b0;
        end
      end
    end else if (mem_busy_q) begin
      if (mem_req_fire) begin
        mem_addr_q     <= mem_addr_q + MAW'(1);
        mem_req_left_q <= mem_req_left_q - XW'(1);
      end
      if (mem_rsp_fire) begin
        mem_line_q     <= mem_line_q + LA'(1);
        mem_rsp_left_q <= mem_rsp_left_q - XW'(1);
        if (mem_rsp_left_q == XW'(1)) begin
          mem_busy_q <= 1'b0;
        end
      end
    end
  end

  assign busy_o    = mem_busy_q;
  assign store_o   = mem_store_q;
  assign tgt_o     = mem_tgt_q;
  assign line_o    = mem_line_q;
  assign ld_fire_o = mem_rsp_fire;
  assign queued_o  = mem_fcnt_q;

endmodule
